package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.emringest.local.LoggedContext;
import dev.emringest.logs.LoggedLines;
import jakarta.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The launcher's lines as Logs Insights reads them: one JSON object each, with the job, run key, outcome, cluster and
 * SQS message as fields beside the message; a deferral also counted as an EMF metric.
 */
class LaunchLinesTest {

    private static final String RUN_KEY = "manual-2026-11-25";

    private final LaunchFixture fixture = new LaunchFixture();
    private final LoggedContext context = new LoggedContext("launcher");

    private void deliver(String messageId, String body) {
        SqsEvents.deliver(new SqsHandler(fixture.service, LaunchFixture.STACK), SqsEvents.of(messageId, body), context);
    }

    private JsonObject onlyLine() {
        List<JsonObject> lines = LoggedLines.logLines(context.lines());
        assertEquals(1, lines.size(), context.lines().toString());
        return lines.get(0);
    }

    @Test
    void aLaunchNamesJobRunOutcomeClusterAndMessage() {
        deliver("m-1", "{\"job\": \"orders\", \"runKey\": \"" + RUN_KEY + "\"}");

        JsonObject line = onlyLine();
        String clusterName = LaunchFixture.run("orders", RUN_KEY).clusterName();
        String clusterId = fixture.record("orders", RUN_KEY).clusterId();
        assertEquals("launch LAUNCHED job=orders runKey=" + RUN_KEY + " cluster=" + clusterName + " clusterId="
                + clusterId + " message=m-1", line.getString("message"), "the message reads as it always did");
        assertEquals("INFO", line.getString("level"));
        assertEquals("orders", line.getString("job"));
        assertEquals(RUN_KEY, line.getString("runKey"));
        assertEquals("LAUNCHED", line.getString("outcome"));
        assertEquals(clusterId, line.getString("clusterId"));
        assertEquals("m-1", line.getString("messageId"));
        assertFalse(line.getString("requestId").isEmpty());
        assertEquals(List.of(), LoggedLines.metricLines(context.lines()), "a launch is counted by the ledger's writer");
    }

    @Test
    void aDeferralIsLoggedAndCounted() {
        fixture.claimedElsewhere("orders", RUN_KEY);
        deliver("m-2", "{\"job\": \"orders\", \"runKey\": \"" + RUN_KEY + "\"}");

        JsonObject line = onlyLine();
        assertEquals("DEFERRED", line.getString("outcome"));
        assertEquals("INFO", line.getString("level"));
        assertEquals(RUN_KEY, line.getString("runKey"));
        List<JsonObject> metrics = LoggedLines.metricLines(context.lines());
        assertEquals(1, metrics.size());
        JsonObject metric = metrics.get(0);
        assertEquals(1, metric.getInt("LaunchesDeferred"));
        assertEquals(LaunchFixture.STACK, metric.getString("Stack"));
        assertEquals("orders", metric.getString("Job"));
        assertEquals(RUN_KEY, metric.getString("runKey"));
        JsonObject directive = metric.getJsonObject("_aws").getJsonArray("CloudWatchMetrics").getJsonObject(0);
        assertEquals("emr-ingest", directive.getString("Namespace"));
        assertEquals("[[\"Stack\"],[\"Stack\",\"Job\"]]", directive.getJsonArray("Dimensions").toString());
        assertEquals("[{\"Name\":\"LaunchesDeferred\",\"Unit\":\"Count\"}]", directive.getJsonArray("Metrics").toString());
    }

    @Test
    void aRejectedMessageHasNoJobButItsMessageId() {
        deliver("m-3", "{\"job\": ");

        JsonObject line = onlyLine();
        assertEquals("REJECTED", line.getString("outcome"));
        assertEquals("WARN", line.getString("level"));
        assertEquals("m-3", line.getString("messageId"));
        assertFalse(line.containsKey("job"));
    }

    @Test
    void anInvalidDefinitionFailsTheLaunch() {
        fixture.job("broken", "{\"source\": {}}");
        deliver("m-4", "{\"job\": \"broken\", \"runKey\": \"" + RUN_KEY + "\"}");

        JsonObject line = onlyLine();
        assertEquals("LAUNCH_FAILED", line.getString("outcome"));
        assertEquals("ERROR", line.getString("level"));
        assertEquals("broken", line.getString("job"));
    }

    @Test
    void aScheduledLaunchHasNoMessageId() {
        new ScheduleHandler(fixture.service, LaunchFixture.STACK)
                .handle(Map.of("job", "orders", "scheduledTime", "2026-11-25T02:00:00Z"), context);

        JsonObject line = onlyLine();
        assertEquals("LAUNCHED", line.getString("outcome"));
        assertEquals("2026-11-25T02:00:00Z", line.getString("runKey"));
        assertFalse(line.containsKey("messageId"));
    }

    @Test
    void aFailedScheduledLaunchIsLoggedAndThrown() {
        fixture.claimedElsewhere("orders", "2026-11-25T02:00:00Z");
        assertThrows(RunInProgressException.class, () -> new ScheduleHandler(fixture.service, LaunchFixture.STACK)
                .handle(Map.of("job", "orders", "scheduledTime", "2026-11-25T02:00:00Z"), context));

        assertEquals("DEFERRED", onlyLine().getString("outcome"));
        assertEquals(1, LoggedLines.metricLines(context.lines()).size());
    }
}
