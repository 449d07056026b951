package dev.emringest.schedules;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObjectBuilder;
import java.util.Map;

/**
 * A pass's counts as one CloudWatch Embedded Metric Format log line: CloudWatch turns it into metrics in namespace
 * {@code emr-ingest} with dimension {@code Stack}, with no API call and no client at cold start.
 */
final class ScheduleMetrics {

    static final String NAMESPACE = "emr-ingest";

    private ScheduleMetrics() {}

    static String line(String stack, ScheduleSync.Report report, long epochMillis) {
        Map<String, Integer> values = Map.of(
                "SchedulesCreated", report.created().size(),
                "SchedulesUpdated", report.updated().size(),
                "SchedulesDeleted", report.deleted().size(),
                "InvalidJobDefinitions", report.invalid().size(),
                "ScheduleSyncFailures", report.failed().size());
        var metrics = JsonDocuments.JSON.createArrayBuilder();
        JsonObjectBuilder line = JsonDocuments.JSON.createObjectBuilder();
        values.keySet().stream().sorted().forEach(name -> {
            metrics.add(JsonDocuments.JSON.createObjectBuilder().add("Name", name).add("Unit", "Count"));
            line.add(name, values.get(name));
        });
        return line.add("Stack", stack).add("_aws", JsonDocuments.JSON.createObjectBuilder()
                .add("Timestamp", epochMillis)
                .add("CloudWatchMetrics", JsonDocuments.JSON.createArrayBuilder().add(
                        JsonDocuments.JSON.createObjectBuilder().add("Namespace", NAMESPACE)
                                .add("Dimensions", JsonDocuments.JSON.createArrayBuilder()
                                        .add(JsonDocuments.JSON.createArrayBuilder().add("Stack")))
                                .add("Metrics", metrics))))
                .build().toString();
    }
}
