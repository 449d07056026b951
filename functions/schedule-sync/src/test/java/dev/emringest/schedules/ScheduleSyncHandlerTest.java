package dev.emringest.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emringest.json.JsonDocuments;
import dev.emringest.logs.LoggedLines;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScheduleSyncHandlerTest {

    @Test
    void theLogNamesWhatStartedThePass() throws IOException {
        Map<String, Object> ssmChange = JsonDocuments.readEvent(new ByteArrayInputStream(
                Files.readAllBytes(Path.of("../../events/parameter-store-change.json"))));
        assertEquals("Update /emr-ingest/jobs/orders", ScheduleSyncHandler.trigger(ssmChange));
        assertEquals("periodic", ScheduleSyncHandler.trigger(null), "sam local invoke --no-event");
        assertEquals("periodic", ScheduleSyncHandler.trigger(Map.of()), "the periodic schedule's input");
    }

    @Test
    void countsAreOneEmbeddedMetricFormatLine() {
        ScheduleSync.Report report = new ScheduleSync.Report(List.of("a", "b"), List.of("c"), List.of(), 4,
                Map.of("d", "job 'd': schedule.timezone: must be an IANA time zone name"), Map.of(), List.of("a"));
        var line = LoggedLines.metricLines(List.of(ScheduleSyncHandler.metrics("s", report, 1_700_000_000_000L).json()))
                .get(0);
        assertEquals(2, line.getInt("SchedulesCreated"));
        assertEquals(1, line.getInt("SchedulesUpdated"));
        assertEquals(0, line.getInt("SchedulesDeleted"));
        assertEquals(1, line.getInt("InvalidJobDefinitions"));
        assertEquals(0, line.getInt("ScheduleSyncFailures"));
        assertEquals("s", line.getString("Stack"));
        var directive = line.getJsonObject("_aws").getJsonArray("CloudWatchMetrics").getJsonObject(0);
        assertEquals(1_700_000_000_000L, line.getJsonObject("_aws").getJsonNumber("Timestamp").longValue());
        assertEquals("emr-ingest", directive.getString("Namespace"));
        assertEquals("[[\"Stack\"]]", directive.getJsonArray("Dimensions").toString());
        assertEquals(5, directive.getJsonArray("Metrics").size());
    }
}
