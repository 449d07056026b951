package dev.emringest.json;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.parsson.JsonProviderImpl;

/**
 * JSON as the functions read what they are sent (JSON-P, by Eclipse Parsson): one value alone in the text, no field
 * named twice, nesting and number sizes bounded by the parser. An error says where the text broke, never what it
 * holds (it may hold anything, a pasted secret included).
 */
public final class JsonDocuments {

    /** Parsson's provider, made directly: {@code jakarta.json.Json} would look it up through ServiceLoader. */
    public static final JsonProvider JSON = new JsonProviderImpl();
    /** Parsson's own switch: JSON-P's {@code KEY_STRATEGY} binds its readers only, not a parser's {@code getValue}. */
    private static final JsonParserFactory STRICT = JSON.createParserFactory(
            Map.of("org.eclipse.parsson.rejectDuplicateKeys", true));
    private static final Pattern DUPLICATE = Pattern.compile("^Duplicate key '(.*)' is not allowed");

    private JsonDocuments() {}

    /** Text that is not one JSON value. The message is safe to log and to return to the sender. */
    public static final class NotJsonException extends RuntimeException {
        private final String duplicate;

        NotJsonException(String message) {
            this(message, null);
        }

        NotJsonException(String message, String duplicate) {
            super(message);
            this.duplicate = duplicate;
        }

        /** The field named twice, when that is why the text was refused (made printable). */
        public Optional<String> duplicate() {
            return Optional.ofNullable(duplicate);
        }
    }

    /** The one JSON value {@code text} holds. */
    public static JsonValue read(String text) {
        try (JsonParser parser = STRICT.createParser(new StringReader(text))) {
            parser.next();
            JsonValue value = parser.getValue();
            parser.hasNext();  // Parsson throws here on anything but white space after the value
            return value;
        } catch (JsonParsingException e) {
            throw new NotJsonException(at(e.getLocation()));
        } catch (JsonException e) {
            throw new NotJsonException("not valid JSON");
        } catch (IllegalStateException e) {
            Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getMessage()));
            if (duplicate.find()) {
                String field = InputErrors.printable(duplicate.group(1));
                throw new NotJsonException("not valid JSON: field '" + field + "' appears twice", field);
            }
            throw new NotJsonException("not valid JSON");
        } catch (RuntimeException e) {
            // Parsson's own limits: nesting deeper than 1000, numbers longer than 1100 digits.
            throw new NotJsonException("not valid JSON: nested too deeply or a value too long");
        }
    }

    /**
     * A Lambda event read by a stream handler: the object as plain values, null for an empty or {@code null} event.
     *
     * @throws NotJsonException when the event is not one JSON object
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readEvent(InputStream in) {
        String text;
        try {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (text.isBlank()) {
            return null;
        }
        JsonValue event = read(text);
        if (event == JsonValue.NULL) {
            return null;
        }
        if (!(event instanceof JsonObject object)) {
            throw new NotJsonException("must be a JSON object");
        }
        return (Map<String, Object>) plain(object);
    }

    /** A stream handler's answer: an object of texts, integers, and objects and arrays of them. */
    public static void writeAnswer(OutputStream out, Map<String, ?> answer) {
        try {
            out.write(json(answer).toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonValue json(Object value) {
        if (value == null) {
            return JsonValue.NULL;
        }
        if (value instanceof Integer number) {
            return JSON.createValue(number.intValue());
        }
        if (value instanceof Map<?, ?> map) {
            JsonObjectBuilder object = JSON.createObjectBuilder();
            map.forEach((key, v) -> object.add(String.valueOf(key), json(v)));
            return object.build();
        }
        if (value instanceof List<?> list) {
            JsonArrayBuilder array = JSON.createArrayBuilder();
            list.forEach(v -> array.add(json(v)));
            return array.build();
        }
        return JSON.createValue(String.valueOf(value));
    }

    /** A JSON value as plain Java: maps (in document order), lists, strings, numbers, booleans and null. */
    public static Object plain(JsonValue value) {
        return switch (value.getValueType()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                value.asJsonObject().forEach((k, v) -> map.put(k, plain(v)));
                yield map;
            }
            case ARRAY -> value.asJsonArray().stream().map(JsonDocuments::plain).toList();
            case STRING -> ((JsonString) value).getString();
            case NUMBER -> ((JsonNumber) value).isIntegral() ? (Object) ((JsonNumber) value).longValue()
                    : ((JsonNumber) value).bigDecimalValue();
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case NULL -> null;
        };
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNumber() < 1 ? "not valid JSON"
                : "not valid JSON (line " + location.getLineNumber() + ", column " + location.getColumnNumber() + ")";
    }
}
