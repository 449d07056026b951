package dev.emringest.logs;

import com.amazonaws.services.lambda.runtime.Context;
import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObjectBuilder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One log line as one JSON object, so Logs Insights filters on its fields ({@code filter job = "orders"}):
 * <pre>{"level":"INFO","message":"launch LAUNCHED job=orders ...","job":"orders","outcome":"LAUNCHED",...,
 * "requestId":"..."}</pre>
 * Fields are texts or integers, in the order added; a null value is left out. The message is the human text.
 *
 * <p>Written with {@code LambdaLogger.log(byte[])}: under {@code LogFormat: JSON} the Lambda Java runtime wraps a
 * {@code log(String)} in its own object (the line would become a quoted message) but writes bytes as they are. JSON
 * escapes line breaks, so one line stays one log event.
 */
public final class LogLine {

    public enum Level { INFO, WARN, ERROR }

    private static final Set<String> OWN = Set.of("level", "message", "requestId");

    private final Level level;
    private final String message;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private LogLine(Level level, String message) {
        this.level = level;
        this.message = Objects.requireNonNull(message, "message");
    }

    public static LogLine info(String message) {
        return new LogLine(Level.INFO, message);
    }

    public static LogLine warn(String message) {
        return new LogLine(Level.WARN, message);
    }

    public static LogLine error(String message) {
        return new LogLine(Level.ERROR, message);
    }

    /** A text field; left out when {@code value} is null. */
    public LogLine field(String name, String value) {
        return put(name, value);
    }

    public LogLine field(String name, long value) {
        return put(name, value);
    }

    private LogLine put(String name, Object value) {
        if (OWN.contains(name)) {
            throw new IllegalArgumentException("'" + name + "' is the line's own member, not a field");
        }
        if (value != null) {
            fields.put(name, value);
        }
        return this;
    }

    /** Logs the line as one event, with the invocation's request id. */
    public void write(Context context) {
        write(context, json(context.getAwsRequestId()));
    }

    /** The line as it is written; {@code requestId} is left out when null. */
    public String json(String requestId) {
        JsonObjectBuilder line = JsonDocuments.JSON.createObjectBuilder().add("level", level.name())
                .add("message", message);
        fields.forEach((name, value) -> add(line, name, value));
        if (requestId != null) {
            line.add("requestId", requestId);
        }
        return line.build().toString();
    }

    /** A text or an integer, as {@link LogLine} and {@link MetricLine} hold their members. */
    static void add(JsonObjectBuilder object, String name, Object value) {
        if (value instanceof Long number) {
            object.add(name, number.longValue());
        } else {
            object.add(name, (String) value);
        }
    }

    /** The byte[] overload: the runtime writes it unwrapped. */
    static void write(Context context, String json) {
        context.getLogger().log(json.getBytes(StandardCharsets.UTF_8));
    }
}
