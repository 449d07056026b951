package dev.emringest.recorder;

import static dev.emringest.recorder.FakeEmr.step;
import static dev.emringest.recorder.FastRecorder.CLAIMED_AT;
import static dev.emringest.recorder.FastRecorder.JOB;
import static dev.emringest.recorder.FastRecorder.NAME;
import static dev.emringest.recorder.FastRecorder.RUN_KEY;
import static dev.emringest.recorder.FastRecorder.SQOOP;
import static dev.emringest.recorder.FastRecorder.STACK;
import static dev.emringest.recorder.FastRecorder.clusterEvent;
import static dev.emringest.recorder.FastRecorder.stepEvent;
import static dev.emringest.recorder.FastRecorder.terminated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.recorder.RecordService.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.emr.model.ClusterState;

/**
 * Which run an EMR event is about, against the in-memory ledger and an EMR fake: other stacks' clusters, clusters EMR
 * does not know here, and events that come before the cluster's pointer exists.
 */
class RecordOwnershipTest {

    private final FastRecorder f = new FastRecorder();

    // ---- whose cluster is it ----------------------------------------------------------------------------------

    @Test
    void anotherStacksClusterEventIsIgnoredWithoutAskingEmr() {
        f.launched("j-OURS");

        RecordService.Result result = f.records.record(new EmrEvent(EmrEvent.Kind.CLUSTER, "j-THEIRS",
                RunIdentity.of("otherstack", JOB, RUN_KEY).clusterName(), "TERMINATED", null, null,
                EmrEvent.Reason.NONE));

        assertEquals(Outcome.IGNORED, result.outcome());
        assertTrue(result.why().contains("not launched by stack " + STACK), result.why());
        assertEquals(0, f.emr.calls());
    }

    @Test
    void aStackWhoseNameSharesOurPrefixIsToldApartByTheTags() {
        f.launched("j-OURS");
        Versioned<RunRecord> before = f.versioned();
        f.emr.cluster("j-DEV", STACK + "-dev", JOB, RUN_KEY, ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done",
                CLAIMED_AT);

        RecordService.Result result = f.records.record(new EmrEvent(EmrEvent.Kind.CLUSTER, "j-DEV",
                RunIdentity.of(STACK + "-dev", JOB, RUN_KEY).clusterName(), "TERMINATED", null, null,
                EmrEvent.Reason.NONE));

        assertEquals(Outcome.IGNORED, result.outcome());
        assertEquals(before, f.versioned());
        assertTrue(f.ledger.cluster("j-DEV").isEmpty());
    }

    @Test
    void aStepEventOfAnotherStacksClusterIsIgnored() {
        f.launched("j-OURS");
        f.emr.cluster("j-OTHER", "otherstack", JOB, RUN_KEY, ClusterState.RUNNING, null, null, CLAIMED_AT);

        RecordService.Result result = f.records.record(stepEvent("j-OTHER", "s-1", SQOOP, "COMPLETED"));

        assertEquals(Outcome.IGNORED, result.outcome());
        assertEquals(1, f.emr.calls("DescribeCluster", "j-OTHER"));
        assertTrue(f.record().steps().isEmpty());
    }

    @ParameterizedTest(name = "{0} event")
    @ValueSource(strings = {"CLUSTER", "STEP"})
    void anEventForAClusterEmrDoesNotKnowIsIgnoredAfterOneQuestion(String kind) {
        f.launched("j-OURS");
        Versioned<RunRecord> before = f.versioned();
        EmrEvent event = "CLUSTER".equals(kind) ? new EmrEvent(EmrEvent.Kind.CLUSTER, "j-ELSEWHERE", NAME,
                "TERMINATED", null, null, EmrEvent.Reason.NONE) : stepEvent("j-ELSEWHERE", "s-1", SQOOP, "COMPLETED");

        RecordService.Result result = f.records.record(event);

        assertEquals(Outcome.IGNORED, result.outcome());
        assertTrue(result.why().contains("EMR does not know cluster j-ELSEWHERE")
                && result.why().contains("is not valid"), result.why());
        assertEquals(1, f.emr.calls("DescribeCluster", "j-ELSEWHERE"));
        assertEquals(before, f.versioned());
        assertTrue(f.ledger.cluster("j-ELSEWHERE").isEmpty());
    }

    @Test
    void anEarlyEventFindsItsRunByTheTagsAndWritesThePointer() {
        f.claimed();
        f.emr.cluster("j-EARLY", STACK, JOB, RUN_KEY, ClusterState.RUNNING, null, null, CLAIMED_AT);

        assertEquals(Outcome.UPDATED, f.records.record(clusterEvent("j-EARLY", "RUNNING")).outcome());
        f.records.record(stepEvent("j-EARLY", "s-1", SQOOP, "COMPLETED"));

        assertEquals(new ClusterPointer("j-EARLY", JOB, RUN_KEY), f.ledger.cluster("j-EARLY").orElseThrow());
        assertEquals(RunState.RUNNING, f.record().state());
        assertEquals("j-EARLY", f.record().clusterId(), "the record learns its cluster from the event");
        assertEquals(1, f.emr.calls("DescribeCluster", "j-EARLY"), "the second event reads the pointer");
    }

    @Test
    void anEarlyTerminalEventEndsTheClaimedRun() {
        f.claimed();
        f.cluster("j-EARLYEND", ClusterState.TERMINATED_WITH_ERRORS, "BOOTSTRAP_FAILURE", "bootstrap failed",
                step("s-1", SQOOP, "CANCELLED"));

        assertEquals(Outcome.FINAL, f.records.record(terminated("j-EARLYEND", "", "")).outcome());

        assertEquals(RunState.FAILED, f.record().state());
        assertEquals("j-EARLYEND", f.record().clusterId());
        assertEquals("BOOTSTRAP_FAILURE", f.record().failure().code());
    }

    @Test
    void anEarlyEventNamingARunWithoutARecordCreatesNothing() {
        f.emr.cluster("j-NORECORD", STACK, JOB, RUN_KEY, ClusterState.RUNNING, null, null, CLAIMED_AT);

        assertEquals(Outcome.IGNORED, f.records.record(clusterEvent("j-NORECORD", "RUNNING")).outcome());

        assertTrue(f.ledger.read(JOB, RUN_KEY).isEmpty());
        assertTrue(f.ledger.cluster("j-NORECORD").isEmpty());
    }

    @Test
    void anEventOfAnotherKindIsIgnored() {
        EmrEvent other = new EmrEvent(EmrEvent.Kind.OTHER, "j-1", null, "RUNNING", null, null, EmrEvent.Reason.NONE);

        assertEquals(Outcome.IGNORED, f.records.record(other).outcome());
        assertEquals(0, f.emr.calls());
    }
}
