package dev.emringest.launcher;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Events in and answers out for the stream handlers, with the JSON reader the definitions already use. */
final class LambdaJson {

    private LambdaJson() {}

    /** The event as a map of plain values; null for an empty or {@code null} event. A field given twice is refused. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(InputStream in) {
        String text;
        try {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (text.isBlank()) {
            return null;
        }
        JsonValue event;
        try {
            event = JsonDocuments.read(text);
        } catch (JsonDocuments.NotJsonException e) {
            throw new InvalidRequestException("input: " + e.getMessage());
        }
        if (event == JsonValue.NULL) {
            return null;
        }
        if (!(event instanceof JsonObject object)) {
            throw new InvalidRequestException("input: must be a JSON object");
        }
        return (Map<String, Object>) JsonDocuments.plain(object);
    }

    static void write(OutputStream out, Map<String, String> answer) {
        JsonObjectBuilder json = JsonDocuments.JSON.createObjectBuilder();
        answer.forEach(json::add);
        try {
            out.write(json.build().toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
