package dev.emringest.recorder;

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

/** Events in and answers out for the stream handlers. */
final class LambdaJson {

    private LambdaJson() {}

    /** The event as a map of plain values; null for an empty or {@code null} event. */
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
            throw new IllegalArgumentException("input: " + e.getMessage(), e);
        }
        if (event == JsonValue.NULL) {
            return null;
        }
        if (!(event instanceof JsonObject object)) {
            throw new IllegalArgumentException("input: must be a JSON object");
        }
        return (Map<String, Object>) JsonDocuments.plain(object);
    }

    /** An answer: a flat object of strings or numbers. */
    static void write(OutputStream out, Map<String, ?> answer) {
        JsonObjectBuilder json = JsonDocuments.JSON.createObjectBuilder();
        answer.forEach((key, value) -> {
            if (value instanceof Integer number) {
                json.add(key, number.intValue());
            } else {
                json.add(key, String.valueOf(value));
            }
        });
        try {
            out.write(json.build().toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
