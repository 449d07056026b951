package dev.emringest.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/** Events in and answers out for the stream handlers, with the mapper the launcher already loads. */
final class LambdaJson {

    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() { };

    private LambdaJson() {}

    /** The event as a map; null for an empty or {@code null} event. A field given twice is rejected. */
    static Map<String, Object> readObject(InputStream in) {
        try {
            byte[] bytes = in.readAllBytes();
            if (bytes.length == 0) {
                return null;
            }
            return LaunchRequest.JSON.readValue(bytes, OBJECT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JacksonException e) {
            throw new InvalidRequestException("input: must be a JSON object (" + e.getOriginalMessage() + ")");
        }
    }

    static void write(OutputStream out, Object answer) {
        LaunchRequest.JSON.writeValue(out, answer);
    }
}
