package dev.emringest.recorder;

import static dev.emringest.local.EmrDocuments.failedStep;
import static dev.emringest.local.EmrDocuments.step;
import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.logs.LoggedLines;
import jakarta.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a run ends: success, a failed step, a user's request, EMR's reason or the event's, no steps. */
class RecorderOutcomeIT extends RecorderAgainstWireMock {

    // ---- 1. success ---------------------------------------------------------------------------------------------

    @Test
    void allStepsCompletedIsSucceededWithStepsInSubmissionOrder() {
        launchedRun("j-1SUCCEEDS");
        stubCluster("j-1SUCCEEDS", "TERMINATED", "ALL_STEPS_COMPLETED", "Steps completed",
                step("s-2SPARK", SPARK, "COMPLETED"), // newest first, as EMR answers
                step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(succeededEvent("j-1SUCCEEDS"));

        assertEquals("FINAL", answer.get("outcome"));
        assertEquals("SUCCEEDED", answer.get("state"));
        RunRecord run = record();
        assertEquals(RunState.SUCCEEDED, run.state());
        assertNull(run.failure(), "a succeeded run has no failure");
        assertEquals("j-1SUCCEEDS", run.clusterId());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(run), "steps in submission order");
        assertEquals(List.of(SQOOP, SPARK), run.steps().stream().map(StepOutcome::name).toList());
        assertEquals(List.of("COMPLETED", "COMPLETED"), states(run));
        assertEquals(RECORDED_AT, run.endedAt());
        assertEquals(LAUNCHED_AT, run.launchedAt(), "the launch time is kept");
        assertEquals("v1", run.definitionVersion());
        assertEquals(1, context.lines().size());
        JsonObject line = LoggedLines.logLines(context.lines()).get(0);
        assertTrue(line.getString("message").contains("run=SUCCEEDED"), line.toString());
        assertEquals(JOB, line.getString("job"));
        assertEquals(RUN_KEY, line.getString("runKey"));
        assertEquals("FINAL", line.getString("outcome"));
        assertEquals("SUCCEEDED", line.getString("state"));
        assertEquals("j-1SUCCEEDS", line.getString("clusterId"));
    }

    // ---- 2. step failure ----------------------------------------------------------------------------------------

    @Test
    void stepFailureRecordsTheFailedStepAndEmrsReason() {
        launchedRun("j-2STEPFAIL");
        stubCluster("j-2STEPFAIL", "TERMINATED_WITH_ERRORS", "STEP_FAILURE", "Shut down as step failed",
                step("s-3EXTRA", "extra-spark orders", "CANCELLED"),
                failedStep("s-2SPARK", SPARK, "org.apache.spark.SparkException: Job aborted.",
                        "Exception in thread \"main\" org.apache.spark.SparkException: Job aborted.",
                        "s3://logs/j-2STEPFAIL/steps/s-2SPARK/stderr.gz"),
                step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(clusterStateChange("j-2STEPFAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
                reason("STEP_FAILURE", "event text, not DescribeCluster's")));

        assertEquals("FINAL", answer.get("outcome"));
        assertEquals("FAILED", answer.get("state"));
        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertNotNull(run.failure());
        assertEquals("STEP_FAILURE", run.failure().code());
        assertEquals("Shut down as step failed", run.failure().message(), "DescribeCluster's message wins");
        assertEquals(SPARK, run.failure().step());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK", "s-3EXTRA"), ids(run));
        assertEquals(List.of("COMPLETED", "FAILED", "CANCELLED"), states(run));
        StepOutcome sqoop = run.steps().get(0);
        assertNull(sqoop.failureReason());
        assertNull(sqoop.logFile());
        StepOutcome spark = run.steps().get(1);
        assertEquals("org.apache.spark.SparkException: Job aborted.", spark.failureReason());
        assertEquals("Exception in thread \"main\" org.apache.spark.SparkException: Job aborted.",
                spark.failureMessage());
        assertEquals("s3://logs/j-2STEPFAIL/steps/s-2SPARK/stderr.gz", spark.logFile());
        assertEquals(RECORDED_AT, run.endedAt());
        assertTrue(LoggedLines.messages(context.lines()).get(0).contains("reason=STEP_FAILURE failedStep=" + SPARK),
                context.lines().get(0));
    }

    // ---- 3. user request ----------------------------------------------------------------------------------------

    @Test
    void terminatedByUserIsFailedWithoutAFailedStep() {
        launchedRun("j-3USER");
        stubCluster("j-3USER", "TERMINATED", "USER_REQUEST", "Terminated by user request",
                step("s-2SPARK", SPARK, "PENDING"),
                step("s-1SQOOP", SQOOP, "CANCELLED"));

        Map<String, String> answer = invoke(clusterStateChange("j-3USER", CLUSTER_NAME, "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request")));

        assertEquals("FAILED", answer.get("state"));
        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertEquals("USER_REQUEST", run.failure().code());
        assertEquals("Terminated by user request", run.failure().message());
        assertNull(run.failure().step(), "no step failed");
        assertEquals(List.of("CANCELLED", "PENDING"), states(run));
        assertEquals(RECORDED_AT, run.endedAt());
    }

    // ---- 4. the event's reason when DescribeCluster has none ----------------------------------------------------

    @Test
    void theEventsReasonIsUsedWhenDescribeClusterHasNone() {
        launchedRun("j-4BOOT");
        stubCluster("j-4BOOT", "TERMINATED_WITH_ERRORS", null, null,
                step("s-2SPARK", SPARK, "CANCELLED"),
                step("s-1SQOOP", SQOOP, "CANCELLED"));

        invoke(clusterStateChange("j-4BOOT", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
                reason("BOOTSTRAP_FAILURE", "On the master instance (i-0abc), bootstrap action 1 returned a non-zero return code")));

        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertEquals("BOOTSTRAP_FAILURE", run.failure().code());
        assertEquals("On the master instance (i-0abc), bootstrap action 1 returned a non-zero return code",
                run.failure().message());
        assertNull(run.failure().step());
    }

    @Test
    void anEmptyReasonCodeInTheEventParses() {
        Map<String, Object> event = clusterStateChange("j-4EMPTY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "{\"code\":\"\"}");
        assertEquals(new EmrEvent.Reason("", ""), EmrEvent.from(event).reason());

        launchedRun("j-4EMPTY");
        stubCluster("j-4EMPTY", "TERMINATED_WITH_ERRORS", null, null,
                step("s-2SPARK", SPARK, "CANCELLED"),
                failedStep("s-1SQOOP", SQOOP, "Unknown Error.", null, "s3://logs/j-4EMPTY/steps/s-1SQOOP/stderr.gz"));

        Map<String, String> answer = invoke(event);

        assertEquals("FINAL", answer.get("outcome"));
        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertNotNull(run.failure());
        assertTrue(run.failure().code() == null || run.failure().code().isEmpty(),
                "no reason code anywhere, got " + run.failure().code());
        assertEquals(SQOOP, run.failure().step());
        assertEquals("s3://logs/j-4EMPTY/steps/s-1SQOOP/stderr.gz", run.steps().get(0).logFile());
    }

    // ---- 5. no steps --------------------------------------------------------------------------------------------

    @Test
    void aClusterThatRanNoStepIsFailedEvenWhenEmrSaysAllStepsCompleted() {
        launchedRun("j-5NOSTEPS");
        stubCluster("j-5NOSTEPS", "TERMINATED", "ALL_STEPS_COMPLETED", "Steps completed");

        Map<String, String> answer = invoke(succeededEvent("j-5NOSTEPS"));

        assertEquals("FAILED", answer.get("state"));
        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertNotNull(run.failure(), "a failed run says why");
        assertTrue(run.steps().isEmpty());
        assertNull(run.failure().step());
        assertEquals(RECORDED_AT, run.endedAt());
    }

    @Test
    void aClusterThatRanNoStepAndGaveNoReasonIsFailedWithAMessage() {
        launchedRun("j-5SILENT");
        stubCluster("j-5SILENT", "TERMINATED", null, null);

        invoke(clusterStateChange("j-5SILENT", CLUSTER_NAME, "TERMINATED", "{\"code\":\"\"}"));

        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertNotNull(run.failure());
        assertFalse(run.failure().message() == null || run.failure().message().isBlank(),
                "an operator must be told something");
    }
}
