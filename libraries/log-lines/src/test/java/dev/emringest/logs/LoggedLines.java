package dev.emringest.logs;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObject;
import java.util.List;

/**
 * What a function logged, read back by its tests: every line must be one JSON object, either a {@link LogLine} or an
 * EMF {@link MetricLine}.
 */
public final class LoggedLines {

    private LoggedLines() {}

    /** The log lines (not the metric lines), as objects. */
    public static List<JsonObject> logLines(List<String> lines) {
        return objects(lines).stream().filter(line -> !line.containsKey("_aws")).toList();
    }

    /** The log lines' messages, in order. */
    public static List<String> messages(List<String> lines) {
        return logLines(lines).stream().map(line -> line.getString("message")).toList();
    }

    /** The metric lines, each checked against the EMF specification ({@link EmfDocuments#check}). */
    public static List<JsonObject> metricLines(List<String> lines) {
        List<JsonObject> metrics = objects(lines).stream().filter(line -> line.containsKey("_aws")).toList();
        metrics.forEach(EmfDocuments::check);
        return metrics;
    }

    private static List<JsonObject> objects(List<String> lines) {
        return lines.stream().map(LoggedLines::object).toList();
    }

    private static JsonObject object(String line) {
        try {
            if (!line.contains("\n") && JsonDocuments.read(line) instanceof JsonObject object) {
                return object;
            }
        } catch (JsonDocuments.NotJsonException e) {
            // reported below, with the line
        }
        throw new AssertionError("not one JSON object on one line: " + line);
    }
}
