package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.Commit;
import dev.emringest.ledger.RunRecord.Failure;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunRecord.TableOutput;
import dev.emringest.ledger.RunState;
import dev.emringest.logs.EmfDocuments;
import dev.harrel.jsonschema.Validator;
import dev.harrel.jsonschema.ValidatorFactory;
import dev.harrel.jsonschema.providers.JakartaJsonNode;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events and metrics a record's states announce: pure, from the record alone. */
class RunEventsTest {

    private static final Instant T = Instant.parse("2026-11-25T02:00:00Z");
    private static final String SQOOP = "sqoop-import orders";

    private static RunRecord launched() {
        return RunRecord.claim("orders", "2026-11-25T02:00:00Z", "a1", "emr-ingest-orders-abc", "jobs/orders@3", T)
                .withTables(List.of(new TableOutput("orders", "s3://lake/orders/_manifest.json", null),
                        new TableOutput("customers", "s3://lake/customers/_manifest.json", null)))
                .launched("j-1", T.plusSeconds(20));
    }

    /** The documented schema of the detail (docs/run-state-change.schema.json), which every detail must satisfy. */
    private static final Validator SCHEMA = new ValidatorFactory().withJsonNodeFactory(new JakartaJsonNode.Factory())
            .createValidator();
    private static final URI SCHEMA_ID = SCHEMA.registerSchema(readSchema());

    private static JsonObject readSchema() {
        try {
            return JsonDocuments.read(Files.readString(Path.of("../../docs/run-state-change.schema.json")))
                    .asJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonObject detail(RunRecord run, int index) {
        return valid(RunEvents.detail("emr-ingest", run, index));
    }

    /** The detail, asserted to satisfy the documented schema. */
    static JsonObject valid(String json) {
        JsonObject detail = JsonDocuments.read(json).asJsonObject();
        Validator.Result valid = SCHEMA.validate(SCHEMA_ID, detail);
        assertTrue(valid.isValid(), detail + " does not satisfy the documented schema: " + valid.getErrors().stream()
                .map(e -> e.getInstanceLocation() + " " + e.getError()).toList());
        return detail;
    }

    @Test
    void aFailedRunsEndNamesTheStepTheReasonAndTheLogFile() {
        RunRecord failed = launched().running(T.plusSeconds(300)).ended(RunState.FAILED,
                List.of(new StepOutcome("s-1", SQOOP, "FAILED", "ERR", "Access denied", "s3://logs/s-1/stderr.gz"),
                        new StepOutcome("s-2", "spark-load", "FAILED", null, null, null)),
                new Failure("STEP_FAILURE", "Step failed", SQOOP), T.plusSeconds(920))
                .withOutputs(launched().tables(), 24L);

        assertEquals(3, failed.history().size());
        JsonObject end = detail(failed, 2);
        assertEquals("orders/2026-11-25T02:00:00Z/FAILED", end.getString("eventKey"));
        assertEquals("RUNNING", end.getString("previousState"));
        assertEquals("2026-11-25T02:15:20Z", end.getString("at"));
        assertEquals(900, end.getInt("durationSeconds"));
        assertEquals(24, end.getInt("normalizedInstanceHours"));
        JsonObject failure = end.getJsonObject("failure");
        assertEquals("STEP_FAILURE", failure.getString("code"));
        assertEquals("Step failed", failure.getString("message"));
        assertEquals(SQOOP, failure.getString("step"));
        assertEquals("s3://logs/s-1/stderr.gz", failure.getString("logFile"));
        assertEquals("[{\"name\":\"orders\"},{\"name\":\"customers\"}]", end.getJsonArray("tables").toString(),
                "each table, and what its manifest said (here: nothing)");

        // An earlier state announced late carries nothing of the end.
        JsonObject running = detail(failed, 1);
        assertEquals("RUNNING", running.getString("state"));
        assertEquals("LAUNCHED", running.getString("previousState"));
        assertFalse(running.containsKey("failure") || running.containsKey("endedAt")
                || running.containsKey("durationSeconds"), running.toString());
        assertTrue(detail(failed, 0).isNull("previousState"));

        JsonObject line = JsonDocuments.read(RunEvents.logLine(failed, 2).json(null)).asJsonObject();
        assertEquals("ERROR", line.getString("level"));
        assertEquals("FAILED", line.getString("outcome"));
        assertEquals("STEP_FAILURE", line.getString("failureCode"));
        assertEquals(SQOOP, line.getString("failedStep"));
        assertEquals("s3://logs/s-1/stderr.gz", line.getString("logFile"));
        assertEquals("run FAILED job=orders runKey=2026-11-25T02:00:00Z clusterId=j-1: STEP_FAILURE Step failed"
                + " (step " + SQOOP + ")", line.getString("message"));
        assertEquals("INFO", JsonDocuments.read(RunEvents.logLine(failed, 1).json(null)).asJsonObject()
                .getString("level"));

        assertEquals(List.of(), RunEvents.metrics(failed, 0));
        assertEquals(List.of(), RunEvents.metrics(failed, 1));
        assertEquals(List.of("RunsFailed=1", "RunDuration=900", "NormalizedInstanceHours=24"),
                named(RunEvents.metrics(failed, 2)));
    }

    @Test
    void aSucceededRunCountsItsRowsPerTable() {
        RunRecord done = launched().ended(RunState.SUCCEEDED, List.of(), null, T.plusSeconds(620))
                .withOutputs(List.of(new TableOutput("orders", "s3://lake/orders/_manifest.json", 1000L),
                        new TableOutput("customers", "s3://lake/customers/_manifest.json", null)), 8L);
        JsonObject end = detail(done, 1);
        assertEquals("[{\"name\":\"orders\",\"rowsWritten\":1000},{\"name\":\"customers\"}]",
                end.getJsonArray("tables").toString(), "a table whose manifest could not say has no count");
        assertFalse(end.containsKey("failure"));
        assertEquals(List.of("RunsSucceeded=1", "RunDuration=600", "NormalizedInstanceHours=8", "RowsWritten=1000"),
                named(RunEvents.metrics(done, 1)));
    }

    @Test
    void anIcebergTablesCommitIsInTheSuccessWithItsSnapshotIdAsText() {
        RunRecord done = launched().ended(RunState.SUCCEEDED, List.of(), null, T.plusSeconds(620))
                .withOutputs(List.of(new TableOutput("orders", "s3://lake/orders/_manifest.json", 15L, "shop.orders",
                                new Commit(Long.MAX_VALUE, 12, 3, 0)),
                        new TableOutput("refunds", "s3://lake/refunds/_manifest.json", 0L, "shop.refunds",
                                new Commit(-5871234097712345678L, 0, 0, 0)),
                        new TableOutput("customers", "s3://lake/customers/_manifest.json", 1000L)), 8L);

        JsonObject end = detail(done, 1);

        JsonObject orders = end.getJsonArray("tables").getJsonObject(0);
        assertEquals("shop.orders", orders.getString("catalogTable"));
        assertEquals("{\"snapshotId\":\"9223372036854775807\",\"addedRows\":12,\"updatedRows\":3,"
                + "\"deletedRows\":0}", orders.getJsonObject("commit").toString());
        assertEquals("-5871234097712345678", end.getJsonArray("tables").getJsonObject(1).getJsonObject("commit")
                .getString("snapshotId"));
        assertEquals("{\"name\":\"customers\",\"rowsWritten\":1000}",
                end.getJsonArray("tables").getJsonObject(2).toString(), "a files table has neither");
        assertEquals(List.of("RunsSucceeded=1", "RunDuration=600", "NormalizedInstanceHours=8", "RowsWritten=1015"),
                named(RunEvents.metrics(done, 1)), "rows are the manifests' rowCount, whatever the target");
    }

    @Test
    void theSchemaRefusesASnapshotIdAsANumberOrACommitWithoutItsCounts() {
        String table = "{\"eventKey\":\"orders/k/SUCCEEDED\",\"stack\":\"s\",\"job\":\"orders\",\"runKey\":\"k\","
                + "\"state\":\"SUCCEEDED\",\"previousState\":\"RUNNING\",\"at\":\"2026-11-25T02:10:20Z\","
                + "\"tables\":[{\"name\":\"orders\",\"catalogTable\":\"shop.orders\",\"commit\":%s}]}";
        for (String commit : List.of(
                "{\"snapshotId\":5871234097712345678,\"addedRows\":1,\"updatedRows\":0,\"deletedRows\":0}",
                "{\"snapshotId\":\"587123409771234567x\",\"addedRows\":1,\"updatedRows\":0,\"deletedRows\":0}",
                "{\"snapshotId\":\"5871234097712345678\",\"addedRows\":1,\"updatedRows\":0}")) {
            JsonObject detail = JsonDocuments.read(table.formatted(commit)).asJsonObject();
            assertFalse(SCHEMA.validate(SCHEMA_ID, detail).isValid(), commit);
        }
        valid(table.formatted("{\"snapshotId\":\"5871234097712345678\",\"addedRows\":1,\"updatedRows\":0,"
                + "\"deletedRows\":0}"));
    }

    @Test
    void runsTheLauncherEndedCountOnceWithoutADuration() {
        RunRecord refused = RunRecord.launchFailed("orders", "k", "a", "n",
                new Failure(RunRecord.INVALID_DEFINITION, "job 'orders': source: is required", null), T);
        JsonObject end = detail(refused, 0);
        assertEquals("LAUNCH_FAILED", end.getString("state"));
        assertTrue(end.isNull("previousState"));
        assertFalse(end.containsKey("durationSeconds") || end.containsKey("clusterId"));
        assertEquals(RunRecord.INVALID_DEFINITION, end.getJsonObject("failure").getString("code"));
        assertEquals(List.of("RunsLaunchFailed=1"), named(RunEvents.metrics(refused, 0)));

        RunRecord skipped = RunRecord.skipped("orders", "k2", "a", "n",
                new Failure(RunRecord.SKIPPED_IN_FLIGHT, "run k is in flight", null), T);
        assertEquals(List.of("LaunchesSkipped=1"), named(RunEvents.metrics(skipped, 0)));
    }

    @Test
    void aStatesMetricsAreOneEmbeddedMetricFormatLineByStackAndByJob() {
        RunRecord done = launched().ended(RunState.SUCCEEDED, List.of(), null, T.plusSeconds(620))
                .withOutputs(List.of(new TableOutput("orders", "s3://lake/orders/_manifest.json", 1000L)), 8L);
        List<String> lines = new ArrayList<>();
        RunMetricsLog.to("emr-ingest", lines::add).emit(done.job(), done.runKey(), done.endedAt(),
                RunEvents.metrics(done, 1));
        JsonObject line = JsonDocuments.read(lines.get(0)).asJsonObject();
        EmfDocuments.check(line);
        JsonObject directive = line.getJsonObject("_aws").getJsonArray("CloudWatchMetrics").getJsonObject(0);
        assertEquals("emr-ingest", directive.getString("Namespace"));
        assertEquals("[[\"Stack\"],[\"Stack\",\"Job\"]]", directive.getJsonArray("Dimensions").toString());
        assertEquals(done.endedAt().toEpochMilli(), line.getJsonObject("_aws").getJsonNumber("Timestamp").longValue(),
                "stamped with the state's own time");
        assertEquals("emr-ingest", line.getString("Stack"));
        assertEquals("orders", line.getString("Job"));
        assertEquals(done.runKey(), line.getString("runKey"));
        assertEquals(1, line.getInt("RunsSucceeded"));
        assertEquals(600, line.getInt("RunDuration"));
        assertEquals(1000, line.getInt("RowsWritten"));
        assertEquals(8, line.getInt("NormalizedInstanceHours"));
    }

    private static List<String> named(List<RunEvents.Metric> metrics) {
        return metrics.stream().map(m -> m.name() + "=" + m.value()).toList();
    }
}
