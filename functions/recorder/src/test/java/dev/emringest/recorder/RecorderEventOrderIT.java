package dev.emringest.recorder;

import static dev.emringest.local.EmrDocuments.failedStep;
import static dev.emringest.local.EmrDocuments.step;
import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static dev.emringest.local.EmrEvents.stepStatusChange;
import static dev.emringest.local.EmrStub.DESCRIBE_CLUSTER;
import static dev.emringest.local.EmrStub.DESCRIBE_STEP;
import static dev.emringest.local.EmrStub.LIST_STEPS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Duplicate, late and out-of-order events, step events, and a second cluster of one run. */
class RecorderEventOrderIT extends RecorderAgainstWireMock {

    // ---- 6. duplicate and out-of-order events -------------------------------------------------------------------

    @Test
    void aSucceededRunIgnoresLateRunningAndDuplicateTerminatedEvents() {
        launchedRun("j-6DUP");
        stubSucceeded("j-6DUP");
        Map<String, Object> terminated = succeededEvent("j-6DUP");
        assertEquals("FINAL", invoke(terminated).get("outcome"));
        Versioned<RunRecord> finalRecord = versioned();

        // EMR now says something else: a recorder that asked again would change the record.
        emrServer.resetAll();
        stubCluster("j-6DUP", "TERMINATED_WITH_ERRORS", "STEP_FAILURE", "x",
                failedStep("s-2SPARK", SPARK, "r", "m", "l"),
                step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> late = invoke(clusterStateChange("j-6DUP", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));
        Map<String, String> duplicate = invoke(terminated);

        assertEquals("UNCHANGED", late.get("outcome"));
        assertEquals("SUCCEEDED", late.get("state"));
        assertEquals("UNCHANGED", duplicate.get("outcome"));
        assertEquals("SUCCEEDED", duplicate.get("state"));
        Versioned<RunRecord> now = versioned();
        assertEquals(finalRecord.etag(), now.etag(), "a final record is not written again");
        assertEquals(finalRecord.value(), now.value());
        assertEquals(RunState.SUCCEEDED, now.value().state());
        assertEquals(0, emrStub.calls(DESCRIBE_CLUSTER, "j-6DUP"), "a final run asks EMR nothing");
        assertEquals(0, emrStub.calls(LIST_STEPS, "j-6DUP"), "a final run asks EMR nothing");
        assertEquals(3, context.lines().size());
    }

    @Test
    void aFailedRunStaysFailedThroughLateAndRepeatedEvents() {
        launchedRun("j-6FAIL");
        stubCluster("j-6FAIL", "TERMINATED_WITH_ERRORS", "STEP_FAILURE", "Shut down as step failed",
                failedStep("s-1SQOOP", SQOOP, "Unknown Error.", "m", "s3://logs/j-6FAIL/steps/s-1SQOOP/stderr.gz"));
        Map<String, Object> terminated = clusterStateChange("j-6FAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
                reason("STEP_FAILURE", "Shut down as step failed"));
        invoke(terminated);
        Versioned<RunRecord> finalRecord = versioned();
        assertEquals(RunState.FAILED, finalRecord.value().state());
        int describesBefore = emrStub.calls(DESCRIBE_CLUSTER, "j-6FAIL");
        int listsBefore = emrStub.calls(LIST_STEPS, "j-6FAIL");

        assertEquals("UNCHANGED", invoke(clusterStateChange("j-6FAIL", CLUSTER_NAME, "STARTING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals("UNCHANGED", invoke(clusterStateChange("j-6FAIL", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals("UNCHANGED", invoke(terminated).get("outcome"));

        Versioned<RunRecord> now = versioned();
        assertEquals(finalRecord.etag(), now.etag());
        assertEquals(RunState.FAILED, now.value().state());
        assertEquals(finalRecord.value().failure(), now.value().failure());
        assertEquals(describesBefore, emrStub.calls(DESCRIBE_CLUSTER, "j-6FAIL"));
        assertEquals(listsBefore, emrStub.calls(LIST_STEPS, "j-6FAIL"));
    }

    // ---- 7. step events -----------------------------------------------------------------------------------------

    @Test
    void aCompletedStepEventAddsTheStep() {
        launchedRun("j-7STEP");

        Map<String, String> answer = invoke(stepStatusChange("j-7STEP", "s-1SQOOP", SQOOP, "COMPLETED"));

        assertEquals("UPDATED", answer.get("outcome"));
        RunRecord run = record();
        assertFalse(run.state().terminal(), "a step does not end the run");
        assertEquals(1, run.steps().size());
        assertEquals(new StepOutcome("s-1SQOOP", SQOOP, "COMPLETED", null, null, null), run.steps().get(0));
        assertEquals(RECORDED_AT, run.updatedAt());
        assertEquals(0, emrStub.calls(DESCRIBE_STEP, "j-7STEP"), "a completed step needs no DescribeStep");
    }

    @Test
    void aFailedStepEventRecordsDescribeStepsFailureDetails() {
        launchedRun("j-7FAILSTEP");
        emrStub.describeStep("j-7FAILSTEP", failedStep("s-2SPARK", SPARK, "java.lang.OutOfMemoryError: Java heap space",
                "Container killed on request. Exit code is 137", "s3://logs/j-7FAILSTEP/steps/s-2SPARK/stderr.gz"));

        invoke(stepStatusChange("j-7FAILSTEP", "s-1SQOOP", SQOOP, "COMPLETED"));
        Map<String, String> answer = invoke(stepStatusChange("j-7FAILSTEP", "s-2SPARK", SPARK, "FAILED"));

        assertEquals("UPDATED", answer.get("outcome"));
        assertEquals(1, emrStub.calls(DESCRIBE_STEP, "j-7FAILSTEP"));
        RunRecord run = record();
        assertFalse(run.state().terminal(), "the cluster's termination ends the run, not a step event");
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(run));
        StepOutcome spark = run.steps().get(1);
        assertEquals("FAILED", spark.state());
        assertEquals(SPARK, spark.name());
        assertEquals("java.lang.OutOfMemoryError: Java heap space", spark.failureReason());
        assertEquals("Container killed on request. Exit code is 137", spark.failureMessage());
        assertEquals("s3://logs/j-7FAILSTEP/steps/s-2SPARK/stderr.gz", spark.logFile());
    }

    @Test
    void aStepEventAfterTheRunIsFinalChangesNothing() {
        launchedRun("j-7LATE");
        stubSucceeded("j-7LATE");
        emrStub.describeStep("j-7LATE", failedStep("s-2SPARK", SPARK, "r", "m", "l"));
        invoke(succeededEvent("j-7LATE"));
        Versioned<RunRecord> finalRecord = versioned();

        Map<String, String> failed = invoke(stepStatusChange("j-7LATE", "s-2SPARK", SPARK, "FAILED"));
        Map<String, String> added = invoke(stepStatusChange("j-7LATE", "s-9NEW", "extra", "COMPLETED"));

        assertEquals("UNCHANGED", failed.get("outcome"));
        assertEquals("UNCHANGED", added.get("outcome"));
        Versioned<RunRecord> now = versioned();
        assertEquals(finalRecord.etag(), now.etag());
        assertEquals(RunState.SUCCEEDED, now.value().state());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(now.value()));
        assertEquals(0, emrStub.calls(DESCRIBE_STEP, "j-7LATE"));
    }

    // ---- 9. running ---------------------------------------------------------------------------------------------

    @Test
    void aRunningEventMovesALaunchedRunToRunning() {
        launchedRun("j-9RUN");

        Map<String, String> answer = invoke(clusterStateChange("j-9RUN", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));

        assertEquals("UPDATED", answer.get("outcome"));
        assertEquals("RUNNING", answer.get("state"));
        RunRecord run = record();
        assertEquals(RunState.RUNNING, run.state());
        assertEquals("j-9RUN", run.clusterId());
        assertEquals(LAUNCHED_AT, run.launchedAt());
        assertEquals(RECORDED_AT, run.updatedAt());
        assertNull(run.endedAt());
        assertTrue(emrServer.getAllServeEvents().isEmpty(), "the pointer names the run: EMR is not asked");

        Versioned<RunRecord> running = versioned();
        assertEquals("UNCHANGED", invoke(clusterStateChange("j-9RUN", CLUSTER_NAME, "WAITING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals(running.etag(), versioned().etag());
    }

    // ---- beyond the list: ordering within a step, and a second cluster of one run -------------------------------

    @Test
    void anOlderStepEventDoesNotOverwriteANewerStepState() {
        launchedRun("j-10ORDER");

        invoke(stepStatusChange("j-10ORDER", "s-1SQOOP", SQOOP, "COMPLETED"));
        invoke(stepStatusChange("j-10ORDER", "s-1SQOOP", SQOOP, "RUNNING")); // delivered late

        RunRecord run = record();
        assertEquals(1, run.steps().size());
        assertEquals("COMPLETED", run.steps().get(0).state(),
                "design: an older event never overwrites a newer state");
    }

    @Test
    void aDuplicateClusterOfTheRunDoesNotDecideTheRunsOutcome() {
        // RunJobFlow has no idempotency token: a retried call started j-11DUPLICATE beside j-11KEPT, with the
        // same name and tags. The launcher recorded j-11KEPT; the operator terminates the duplicate.
        launchedRun("j-11KEPT");
        stubCluster("j-11DUPLICATE", "TERMINATED", "USER_REQUEST", "Terminated by user request",
                step("s-2DUP", SPARK, "CANCELLED"),
                step("s-1DUP", SQOOP, "CANCELLED"));
        stubSucceeded("j-11KEPT");

        invoke(clusterStateChange("j-11DUPLICATE", CLUSTER_NAME, "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request")));
        RunRecord afterDuplicate = record();
        invoke(succeededEvent("j-11KEPT"));

        assertFalse(afterDuplicate.state().terminal(),
                "the duplicate's termination ended run j-11KEPT: " + afterDuplicate);
        RunRecord run = record();
        assertEquals(RunState.SUCCEEDED, run.state());
        assertEquals("j-11KEPT", run.clusterId());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(run));
    }
}
