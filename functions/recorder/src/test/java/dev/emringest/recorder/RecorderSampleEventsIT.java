package dev.emringest.recorder;

import static dev.emringest.local.EmrDocuments.failedStep;
import static dev.emringest.local.EmrDocuments.step;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sample events in {@code events/}, read as the managed runtime reads them, record what they describe. */
class RecorderSampleEventsIT extends RecorderAgainstWireMock {

    // ---- events/ files, read as the managed runtime reads them ---------------------------------------------------

    private static final String EVENTS_CLUSTER = "j-1YONHTCP3YZKC";

    @SuppressWarnings("unchecked")
    private static Map<String, Object> eventFile(String name) {
        return EventLoader.loadEvent(Path.of("../../events", name).toString(), Map.class);
    }

    @Test
    void theSampleRunningEventMarksTheRunRunning() {
        launchedRun(EVENTS_CLUSTER);
        assertEquals("UPDATED", invoke(eventFile("emr-cluster-running.json")).get("outcome"));
        assertEquals(RunState.RUNNING, record().state());
    }

    @Test
    void theSampleCompletedTerminationRecordsSuccess() {
        launchedRun(EVENTS_CLUSTER);
        stubCluster(EVENTS_CLUSTER, "emr-ingest-orders-cd6420d7f6ee", "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed",
                step("s-3N0ASLSQKYR1A", SPARK, "COMPLETED"),
                step("s-2M9ZRKRPJXQ0Z", SQOOP, "COMPLETED"));
        invoke(eventFile("emr-cluster-terminated-completed.json"));
        assertEquals(RunState.SUCCEEDED, record().state());
    }

    @Test
    void theSampleStepFailureRecordsWhyAndWhere() {
        launchedRun(EVENTS_CLUSTER);
        stubCluster(EVENTS_CLUSTER, "emr-ingest-orders-cd6420d7f6ee", "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                "Shut down as step failed",
                failedStep("s-3N0ASLSQKYR1A", SPARK, "Unknown Error.", "Job aborted",
                        "s3://logs/j-1YONHTCP3YZKC/steps/s-3N0ASLSQKYR1A/stderr.gz"),
                step("s-2M9ZRKRPJXQ0Z", SQOOP, "COMPLETED"));
        invoke(eventFile("emr-cluster-terminated-with-errors.json"));
        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertEquals("STEP_FAILURE", run.failure().code());
        assertEquals(SPARK, run.failure().step());
    }

    @Test
    void theSampleStepEventsUpdateTheirSteps() {
        launchedRun(EVENTS_CLUSTER);
        invoke(eventFile("emr-step-completed.json"));
        emrStub.describeStep(EVENTS_CLUSTER, failedStep("s-3N0ASLSQKYR1A", SPARK, "Unknown Error.", "Job aborted",
                "s3://logs/j-1YONHTCP3YZKC/steps/s-3N0ASLSQKYR1A/stderr.gz"));
        invoke(eventFile("emr-step-failed.json"));
        RunRecord run = record();
        assertEquals(List.of("s-2M9ZRKRPJXQ0Z", "s-3N0ASLSQKYR1A"), ids(run));
        assertEquals(List.of("COMPLETED", "FAILED"), states(run));
        assertEquals("s3://logs/j-1YONHTCP3YZKC/steps/s-3N0ASLSQKYR1A/stderr.gz", run.steps().get(1).logFile());
    }
}
