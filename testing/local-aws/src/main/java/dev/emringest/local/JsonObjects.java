package dev.emringest.local;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** JSON objects built inline by the test builders, in the order written, and their text. */
final class JsonObjects {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonObjects() {}

    static Map<String, Object> of(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static String text(Object value) {
        return JSON.writeValueAsString(value);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String text) {
        return JSON.readValue(text, Map.class);
    }
}
