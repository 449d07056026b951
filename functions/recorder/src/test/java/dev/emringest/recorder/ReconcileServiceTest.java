package dev.emringest.recorder;

import static dev.emringest.recorder.FakeEmr.step;
import static dev.emringest.recorder.FastRecorder.JOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.LoggedContext;
import dev.emringest.logs.LoggedLines;
import dev.emringest.recorder.ReconcileService.Failed;
import dev.emringest.recorder.ReconcileService.Summary;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ClusterState;

/** The reconcile's decisions applied to the in-memory ledger, EMR a fake: what a pass writes and reports. */
class ReconcileServiceTest {

    private static final Duration STUCK = ReconcileService.STUCK_AFTER.plusMinutes(1);

    private final FastRecorder f = new FastRecorder();

    @Test
    void aRunWhoseClusterEndedIsFinalisedOnce() {
        f.launched("k1", "j-1");
        f.cluster("k1", "j-1", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done",
                step("s-1", "sqoop", "COMPLETED"));

        assertEquals(summary(1, 1, 0, 0, 0, 0, 0), f.reconcile.reconcile());
        Versioned<RunRecord> finalRecord = f.versioned("k1");
        assertEquals(RunState.SUCCEEDED, finalRecord.value().state());
        assertEquals(List.of(), openRuns());

        assertEquals(summary(0, 0, 0, 0, 0, 0, 0), f.reconcile.reconcile());
        assertEquals(finalRecord, f.versioned("k1"));
    }

    @Test
    void aRunWhoseClusterStillRunsIsLeftAsItIs() {
        f.launched("k1", "j-1");
        f.cluster("k1", "j-1", ClusterState.RUNNING, null, null);

        // Its LAUNCHED state, which no event brought to the recorder, is announced; then nothing changes.
        assertEquals(summary(1, 0, 0, 0, 0, 1, 0), f.reconcile.reconcile());
        assertEquals(1, f.events.size());
        Versioned<RunRecord> before = f.versioned("k1");
        assertEquals(summary(1, 0, 0, 0, 0, 0, 1), f.reconcile.reconcile());
        assertEquals(before, f.versioned("k1"));
    }

    @Test
    void aStuckClaimWhoseClusterRunsIsAdoptedAndStaysOpen() {
        f.claimed("k1");
        f.cluster("k1", "j-FOUND", ClusterState.WAITING, null, null);
        f.clock.advance(STUCK);

        assertEquals(summary(1, 0, 1, 0, 0, 1, 0), f.reconcile.reconcile());
        assertEquals(RunState.LAUNCHED, f.record("k1").state());
        assertEquals("j-FOUND", f.record("k1").clusterId());
        assertEquals(List.of(JOB + "/k1"), openRuns());
    }

    @Test
    void aStuckClaimWhoseClusterEndedIsAdoptedAndFinalisedInOnePass() {
        f.claimed("k1");
        f.cluster("k1", "j-FOUND", ClusterState.TERMINATED, "USER_REQUEST", "by user",
                step("s-1", "sqoop", "CANCELLED"));
        f.clock.advance(STUCK);

        assertEquals(summary(1, 1, 1, 0, 0, 0, 0), f.reconcile.reconcile());
        assertEquals(RunState.FAILED, f.record("k1").state());
        assertEquals("USER_REQUEST", f.record("k1").failure().code());
    }

    @Test
    void aStuckClaimWithoutAClusterFailsToLaunchAndGivesItsSlotBack() {
        f.launchedIncremental("k1", "j-unused");
        f.ledger.update(JOB, "k1", r -> new RunRecord(r.job(), r.runKey(), RunState.CLAIMED, r.attempt(), null,
                r.clusterName(), r.definitionVersion(), List.of(), null, r.createdAt(), null, null, r.createdAt(),
                r.window(), r.tables(), null, List.of(), 0));
        f.clock.advance(STUCK);

        assertEquals(summary(1, 0, 0, 1, 0, 1, 0), f.reconcile.reconcile());
        assertEquals(RunState.LAUNCH_FAILED, f.record("k1").state());
        assertEquals(RunRecord.NO_CLUSTER, f.record("k1").failure().code());
        assertEquals(null, f.ledger.readState(JOB).orElseThrow().value().inFlight(), "the slot is free again");
        assertEquals(List.of(), openRuns());
    }

    @Test
    void aYoungClaimIsLeftAloneWithoutAskingEmr() {
        f.claimed("k1");
        f.clock.set(FastRecorder.CLAIMED_AT.plus(Duration.ofMinutes(10)));

        assertEquals(summary(1, 0, 0, 0, 0, 0, 1), f.reconcile.reconcile());
        assertEquals(RunState.CLAIMED, f.record("k1").state());
        assertEquals(0, f.emr.calls());
    }

    @Test
    void theIndexEntryOfAFinalAnnouncedRunIsClosed() {
        f.launched("k1", "j-1");
        Versioned<RunRecord> open = f.versioned("k1");
        // A final, announced record whose index entry survived (its removal failed after the record was written).
        RunRecord ended = open.value().ended(RunState.SUCCEEDED, List.of(), null, f.clock.instant());
        f.ledger.swap(open, ended.withAnnounced(ended.history().size()));
        f.bucket.put("open/" + JOB + "/k1", new byte[0]);

        assertEquals(List.of(JOB + "/k1"), openRuns());
        assertEquals(summary(1, 0, 0, 0, 1, 0, 0), f.reconcile.reconcile());
        assertEquals(List.of(), openRuns());
        assertEquals(0, f.emr.calls());
    }

    @Test
    void anOldIndexEntryWithoutARecordIsClosedAndAYoungOneKept() {
        f.bucket.put("open/" + JOB + "/orphan-old", new byte[0]);
        f.clock.advance(Duration.ofMinutes(10));
        f.bucket.put("open/" + JOB + "/orphan-young", new byte[0]);
        f.clock.advance(ReconcileService.STUCK_AFTER.minusMinutes(5));

        assertEquals(summary(2, 0, 0, 0, 1, 0, 1), f.reconcile.reconcile());
        assertEquals(List.of(JOB + "/orphan-young"), openRuns());
        assertTrue(f.ledger.read(JOB, "orphan-old").isEmpty(), "closing an entry writes no record");
    }

    @Test
    void oneRunsFailureIsItsOwnAndThePassGoesOn() {
        f.launched("a-before", "j-A");
        f.cluster("a-before", "j-A", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done",
                step("s-1", "s", "COMPLETED"));
        f.succeededWithoutItsManifest("b-no-manifest", "j-B");
        f.launched("c-after", "j-C");
        f.cluster("c-after", "j-C", ClusterState.TERMINATED_WITH_ERRORS, "STEP_FAILURE", "failed",
                FakeEmr.failedStep("s-1", "s", "r", "m", "l"));

        Summary summary = f.reconcile.reconcile();

        assertEquals(3, summary.open());
        assertEquals(2, summary.finalised(), "the runs before and after the failing one: " + summary);
        assertEquals(1, summary.failed().size());
        Failed failed = summary.failed().get(0);
        assertEquals(List.of(JOB, "b-no-manifest"), List.of(failed.job(), failed.runKey()));
        assertTrue(failed.reason().contains("manifest") && failed.reason().contains("is missing"), failed.reason());
        assertEquals(RunState.SUCCEEDED, f.record("a-before").state());
        assertEquals(RunState.FAILED, f.record("c-after").state());
        assertEquals(RunState.LAUNCHED, f.record("b-no-manifest").state(), "it stays open for the next pass");
        assertEquals(List.of(JOB + "/b-no-manifest"), openRuns());
    }

    @Test
    void theHandlerLogsAFailedRunThenFailsThePassForTheDeadLetterQueue() {
        f.succeededWithoutItsManifest("b-no-manifest", "j-B");
        f.launched("c-after", "j-C");
        f.cluster("c-after", "j-C", ClusterState.TERMINATED, "USER_REQUEST", "by user");
        LoggedContext context = new LoggedContext("reconcile");

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ReconcileHandler(f.reconcile).handle(null, context));

        assertTrue(e.getMessage().contains("1 failed (of 2 open runs"), e.getMessage());
        List<JsonObject> lines = LoggedLines.logLines(context.lines());
        assertTrue(lines.stream().anyMatch(l -> l.getString("message").startsWith("reconcile FAILED job=orders"
                + " runKey=b-no-manifest: ") && l.getString("message").contains("is missing")
                && "b-no-manifest".equals(l.getString("runKey", null))
                && "RECONCILE_FAILED".equals(l.getString("outcome", null))
                && "ERROR".equals(l.getString("level", null))), context.lines().toString());
        assertTrue(lines.stream().anyMatch(l -> l.getString("message").contains("finalised=1")
                && l.getInt("finalised", -1) == 1 && l.getInt("failed", -1) == 1), context.lines().toString());
        assertEquals(RunState.FAILED, f.record("c-after").state(), "reconciled before the pass failed");
    }

    private List<String> openRuns() {
        return f.ledger.openRuns().stream().map(r -> r.job() + "/" + r.runKey()).sorted().toList();
    }

    private static Summary summary(int open, int finalised, int adopted, int launchFailed, int closed,
                                   int announced, int unchanged) {
        return new Summary(open, finalised, adopted, launchFailed, closed, announced, unchanged, 0, List.of());
    }
}
