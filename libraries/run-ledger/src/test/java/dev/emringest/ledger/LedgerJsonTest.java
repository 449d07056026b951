package dev.emringest.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every field of the ledger's documents survives a write and a read; absent ones are left out of the JSON. */
class LedgerJsonTest {

    private static final Instant T = Instant.parse("2026-11-25T02:00:00.123456789Z");

    @Test
    void aRunRecordWithEveryFieldRoundTrips() {
        RunWindow window = new RunWindow(true, Map.of(
                "orders", new RunWindow.TableWindow("lastmodified", "updated_at", T, T.plusSeconds(60), null, null,
                        "s3://b/orders/_manifest.json"),
                "events", new RunWindow.TableWindow("append", "id", null, null, 41L, 9_007_199_254_740_993L, "s3://b/e")));
        RunRecord record = new RunRecord("orders", "2026-11-25T02:00:00Z", RunState.FAILED, "attempt-1", "j-1",
                "emr-ingest-orders-abc", "jobs/orders@3,defaults@1",
                List.of(new RunRecord.StepOutcome("s-1", "sqoop-import orders", "FAILED", "ERR", "it \"broke\"\n",
                        "s3://logs/x")),
                new RunRecord.Failure("STEP_FAILURE", "message", "sqoop-import orders"), T, T.plusSeconds(1),
                T.plusSeconds(2), T.plusSeconds(3), window,
                List.of(new RunRecord.TableOutput("orders", "s3://b/orders/_manifest.json", 1_234L),
                        new RunRecord.TableOutput("events", "s3://b/e", null)), 16L,
                List.of(new RunRecord.Transition(RunState.LAUNCHED, T.plusSeconds(1)),
                        new RunRecord.Transition(RunState.FAILED, T.plusSeconds(2))), 1);
        assertEquals(record, LedgerJson.runRecord(LedgerJson.write(record)));
    }

    @Test
    void absentValuesAreLeftOut() {
        RunRecord claim = RunRecord.claim("orders", "k", "a", "name", "v", T);
        String json = new String(LedgerJson.write(claim), StandardCharsets.UTF_8);
        assertFalse(json.contains("null"), json);
        assertFalse(json.contains("clusterId"), json);
        assertTrue(json.contains("\"createdAt\":\"2026-11-25T02:00:00.123456789Z\""), json);
        assertEquals(claim, LedgerJson.runRecord(LedgerJson.write(claim)));
    }

    @Test
    void aTablesIcebergCommitRoundTripsWithItsSnapshotIdExactAndAsText() {
        RunRecord run = RunRecord.claim("orders", "k", "a", "name", "v", T).withOutputs(List.of(
                new RunRecord.TableOutput("orders", "s3://b/orders/_manifest.json", 15L, "shop.orders",
                        new RunRecord.Commit(Long.MAX_VALUE, 12L, 3L, 0L)),
                new RunRecord.TableOutput("refunds", "s3://b/refunds/_manifest.json", 0L, "shop.refunds",
                        new RunRecord.Commit(Long.MIN_VALUE, 0L, 0L, 9_007_199_254_740_993L)),
                new RunRecord.TableOutput("customers", "s3://b/c/_manifest.json", null, "shop.customers", null),
                new RunRecord.TableOutput("files", "s3://b/f/_manifest.json", 7L)), null);

        String json = new String(LedgerJson.write(run), StandardCharsets.UTF_8);

        assertEquals(run, LedgerJson.runRecord(LedgerJson.write(run)));
        RunRecord.Commit read = LedgerJson.runRecord(LedgerJson.write(run)).tables().get(0).commit();
        assertEquals(9223372036854775807L, read.snapshotId());
        assertTrue(json.contains("{\"name\":\"orders\",\"manifest\":\"s3://b/orders/_manifest.json\","
                + "\"rowsWritten\":15,\"catalogTable\":\"shop.orders\",\"commit\":{\"snapshotId\":"
                + "\"9223372036854775807\",\"addedRows\":12,\"updatedRows\":3,\"deletedRows\":0}}"), json);
        assertTrue(json.contains("\"snapshotId\":\"-9223372036854775808\""), json);
        assertTrue(json.contains("{\"name\":\"customers\",\"manifest\":\"s3://b/c/_manifest.json\","
                + "\"catalogTable\":\"shop.customers\"}"), "no commit until the run succeeded: " + json);
        assertTrue(json.contains("{\"name\":\"files\",\"manifest\":\"s3://b/f/_manifest.json\","
                + "\"rowsWritten\":7}"), "a files table has neither: " + json);
    }

    @Test
    void aRecordWrittenBeforeIcebergTargetsStillReads() {
        String old = "{\"job\":\"orders\",\"runKey\":\"k\",\"state\":\"SUCCEEDED\",\"attempt\":\"a\","
                + "\"steps\":[],\"createdAt\":\"2026-11-25T02:00:00Z\",\"tables\":[{\"name\":\"orders\","
                + "\"manifest\":\"s3://b/orders/_manifest.json\",\"rowsWritten\":1234},{\"name\":\"events\","
                + "\"manifest\":\"s3://b/e\"}],\"history\":[],\"announced\":0}";

        RunRecord read = LedgerJson.runRecord(old.getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of(new RunRecord.TableOutput("orders", "s3://b/orders/_manifest.json", 1234L, null, null),
                new RunRecord.TableOutput("events", "s3://b/e", null)), read.tables());
    }

    @Test
    void aSnapshotIdWrittenAsANumberReadsExactlyToo() {
        String json = "{\"job\":\"orders\",\"runKey\":\"k\",\"state\":\"SUCCEEDED\",\"tables\":[{\"name\":"
                + "\"orders\",\"catalogTable\":\"shop.orders\",\"commit\":{\"snapshotId\":5871234097712345678,"
                + "\"addedRows\":12,\"updatedRows\":3,\"deletedRows\":0}}]}";

        RunRecord read = LedgerJson.runRecord(json.getBytes(StandardCharsets.UTF_8));

        assertEquals(new RunRecord.Commit(5871234097712345678L, 12, 3, 0), read.tables().get(0).commit());
    }

    @Test
    void jobStateAndPointerRoundTrip() {
        JobState state = new JobState("orders", Map.of("orders", new JobState.TableState("lastmodified", T, null),
                "events", new JobState.TableState("append", null, 42L)), "k", T, T, T.minusSeconds(60), T, true);
        assertEquals(state, LedgerJson.jobState(LedgerJson.write(state)));
        assertEquals(JobState.empty("x"), LedgerJson.jobState(LedgerJson.write(JobState.empty("x"))));
        JobFreshness freshness = new JobFreshness("orders", 2880, true, T);
        assertEquals(freshness, LedgerJson.jobFreshness(LedgerJson.write(freshness)));
        ClusterPointer pointer = new ClusterPointer("j-1", "orders", "k");
        assertEquals(pointer, LedgerJson.clusterPointer(LedgerJson.write(pointer)));
    }
}
