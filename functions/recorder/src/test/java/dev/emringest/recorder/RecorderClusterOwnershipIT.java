package dev.emringest.recorder;

import static dev.emringest.local.EmrDocuments.cluster;
import static dev.emringest.local.EmrDocuments.step;
import static dev.emringest.local.EmrDocuments.tags;
import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static dev.emringest.local.EmrEvents.stepStatusChange;
import static dev.emringest.local.EmrStub.DESCRIBE_CLUSTER;
import static dev.emringest.local.EmrStub.DESCRIBE_STEP;
import static dev.emringest.local.EmrStub.LIST_STEPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.logs.LoggedLines;
import jakarta.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which run an event is about: other stacks' clusters, clusters EMR does not know, events before the pointer. */
class RecorderClusterOwnershipIT extends RecorderAgainstWireMock {

    // ---- 8. clusters of other stacks, and events that arrive before the pointer ---------------------------------

    @Test
    void aForeignClusterEventIsIgnoredWithoutAskingEmr() {
        launchedRun("j-8OURS");
        Versioned<RunRecord> before = versioned();

        Map<String, String> answer = invoke(clusterStateChange("j-8FOREIGN", "otherstack-orders-3f9a1c2b7d4e",
                "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));

        assertEquals("IGNORED", answer.get("outcome"));
        assertNull(answer.get("job"));
        assertTrue(emrServer.getAllServeEvents().isEmpty(), "EMR must not be called for a foreign cluster");
        assertEquals(1, context.lines().size(), "exactly one log line");
        JsonObject line = LoggedLines.logLines(context.lines()).get(0);
        assertEquals("IGNORED", line.getString("outcome"));
        assertEquals("j-8FOREIGN", line.getString("clusterId"));
        assertFalse(line.containsKey("job"), line.toString());
        assertEquals(before.etag(), versioned().etag());
    }

    @Test
    void aStepEventOfAnotherStacksClusterIsIgnored() {
        launchedRun("j-8OURS");
        Versioned<RunRecord> before = versioned();
        // The other stack runs the same job and run key; only the stack tag tells them apart.
        emrStub.describeCluster(cluster("j-8OTHER", "otherstack-orders-3f9a1c2b7d4e", "RUNNING", null, null,
                tags("otherstack", JOB, RUN_KEY)));

        Map<String, String> answer = invoke(stepStatusChange("j-8OTHER", "s-1OTHER", SQOOP, "COMPLETED"));

        assertEquals("IGNORED", answer.get("outcome"));
        assertEquals(1, emrStub.calls(DESCRIBE_CLUSTER, "j-8OTHER"));
        assertEquals(0, emrStub.calls(LIST_STEPS, "j-8OTHER"));
        assertEquals(0, emrStub.calls(DESCRIBE_STEP, "j-8OTHER"));
        assertEquals(before.etag(), versioned().etag(), "our run is untouched");
        assertTrue(record().steps().isEmpty());
    }

    /**
     * An event for a cluster EMR does not know here, e.g. one forwarded from another account by a central event bus
     * with our stack's name prefix: EMR answers 400 InvalidRequestException. Ignored with one log line, not failed
     * (a failure would be retried twice, land in the trigger DLQ and fire its alarm).
     */
    @ParameterizedTest(name = "{0} event")
    @ValueSource(strings = {"cluster", "step"})
    void anEventForAClusterEmrDoesNotKnowIsIgnoredWithOneLogLine(String kind) {
        launchedRun("j-8OURS");
        Versioned<RunRecord> before = versioned();
        emrStub.error(DESCRIBE_CLUSTER, "j-8ELSEWHERE", 400, "InvalidRequestException",
                "Cluster id 'j-8ELSEWHERE' is not valid.");

        Map<String, String> answer = invoke("cluster".equals(kind)
                ? clusterStateChange("j-8ELSEWHERE", CLUSTER_NAME, "TERMINATED", reason("ALL_STEPS_COMPLETED", "done"))
                : stepStatusChange("j-8ELSEWHERE", "s-1ELSEWHERE", SQOOP, "COMPLETED"));

        assertEquals("IGNORED", answer.get("outcome"));
        assertNull(answer.get("job"));
        assertEquals(1, emrStub.calls(DESCRIBE_CLUSTER, "j-8ELSEWHERE"), "asked once: the answer cannot change on a retry");
        assertEquals(1, context.lines().size(), "exactly one log line: " + context.lines());
        JsonObject line = LoggedLines.logLines(context.lines()).get(0);
        assertEquals("IGNORED", line.getString("outcome"));
        assertEquals("j-8ELSEWHERE", line.getString("clusterId"));
        assertTrue(line.getString("message").contains("is not valid"), line.toString());
        assertEquals(before.etag(), versioned().etag(), "our run is untouched");
        assertTrue(ledger.cluster("j-8ELSEWHERE").isEmpty(), "no pointer for a cluster that is not ours");
    }

    @Test
    void aClusterOfAStackWhoseNameSharesOurPrefixIsIgnored() {
        launchedRun("j-8OURS");
        Versioned<RunRecord> before = versioned();
        emrStub.describeCluster(cluster("j-8DEV", "teststack-dev-orders-3f9a1c2b7d4e", "TERMINATED",
                "ALL_STEPS_COMPLETED", "Steps completed", tags("teststack-dev", JOB, RUN_KEY)));
        emrStub.listSteps("j-8DEV", step("s-1DEV", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(clusterStateChange("j-8DEV", "teststack-dev-orders-3f9a1c2b7d4e",
                "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));

        assertEquals("IGNORED", answer.get("outcome"));
        assertEquals(before.etag(), versioned().etag());
        assertEquals(RunState.LAUNCHED, record().state());
    }

    @Test
    void anEarlyTerminalEventIsRecordedThroughTheClustersTags() {
        // The launcher claimed the run and started the cluster, but has not written the cluster id yet.
        ledger.claim(RunRecord.claim(JOB, RUN_KEY, "attempt-1", CLUSTER_NAME, "v1", CLAIMED_AT));
        stubCluster("j-8EARLY", "TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE",
                "bootstrap action 1 returned a non-zero return code",
                step("s-2SPARK", SPARK, "CANCELLED"),
                step("s-1SQOOP", SQOOP, "CANCELLED"));

        Map<String, String> answer = invoke(clusterStateChange("j-8EARLY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
                reason("BOOTSTRAP_FAILURE", "bootstrap action 1 returned a non-zero return code")));

        assertEquals("FINAL", answer.get("outcome"));
        assertEquals(JOB, answer.get("job"));
        assertEquals(RUN_KEY, answer.get("runKey"));
        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertEquals("j-8EARLY", run.clusterId(), "the record learns its cluster from the event");
        assertNotNull(run.launchedAt());
        assertEquals("BOOTSTRAP_FAILURE", run.failure().code());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(run));
    }

    @Test
    void anEarlyRunningEventIsRecordedThroughTheClustersTags() {
        ledger.claim(RunRecord.claim(JOB, RUN_KEY, "attempt-1", CLUSTER_NAME, "v1", CLAIMED_AT));
        emrStub.describeCluster(cluster("j-8EARLYRUN", CLUSTER_NAME, "RUNNING", null, null, ourTags()));

        Map<String, String> answer = invoke(clusterStateChange("j-8EARLYRUN", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));

        assertEquals("UPDATED", answer.get("outcome"));
        RunRecord run = record();
        assertEquals(RunState.RUNNING, run.state());
        assertEquals("j-8EARLYRUN", run.clusterId());
        assertEquals(1, emrStub.calls(DESCRIBE_CLUSTER, "j-8EARLYRUN"));
        // The launcher writes no pointer: the first event found the run by the tags and wrote it for the next ones.
        assertEquals(new ClusterPointer("j-8EARLYRUN", JOB, RUN_KEY), ledger.cluster("j-8EARLYRUN").orElse(null));
        invoke(clusterStateChange("j-8EARLYRUN", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));
        assertEquals(1, emrStub.calls(DESCRIBE_CLUSTER, "j-8EARLYRUN"), "the second event reads the pointer, not EMR");
    }

    @Test
    void anEarlyEventNamingARunWithoutARecordIsIgnored() {
        emrStub.describeCluster(cluster("j-8NORECORD", CLUSTER_NAME, "RUNNING", null, null, ourTags()));

        Map<String, String> answer = invoke(clusterStateChange("j-8NORECORD", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));

        assertEquals("IGNORED", answer.get("outcome"));
        assertTrue(ledger.read(JOB, RUN_KEY).isEmpty(), "the recorder never creates a run");
    }
}
