package dev.emringest.recorder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/** Events in and answers out for the stream handlers, with the mapper the recorder already loads. */
final class LambdaJson {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() { };

    private LambdaJson() {}

    /** The event as a map; null for an empty or {@code null} event. */
    static Map<String, Object> readObject(InputStream in) {
        try {
            byte[] bytes = in.readAllBytes();
            return bytes.length == 0 ? null : EmrEvent.JSON.readValue(bytes, OBJECT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("input: must be a JSON object (" + e.getOriginalMessage() + ")", e);
        }
    }

    static void write(OutputStream out, Object answer) {
        EmrEvent.JSON.writeValue(out, answer);
    }
}
