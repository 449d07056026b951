package dev.emringest.recorder;

import static dev.emringest.recorder.FakeEmr.failedStep;
import static dev.emringest.recorder.FakeEmr.step;
import static dev.emringest.recorder.FastRecorder.CLAIMED_AT;
import static dev.emringest.recorder.FastRecorder.JOB;
import static dev.emringest.recorder.FastRecorder.MANIFEST;
import static dev.emringest.recorder.FastRecorder.RUN_KEY;
import static dev.emringest.recorder.FastRecorder.SPARK;
import static dev.emringest.recorder.FastRecorder.SQOOP;
import static dev.emringest.recorder.FastRecorder.STACK;
import static dev.emringest.recorder.FastRecorder.clusterEvent;
import static dev.emringest.recorder.FastRecorder.stepEvent;
import static dev.emringest.recorder.FastRecorder.terminated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.Commit;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunRecord.TableOutput;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.recorder.RecordService.Outcome;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ClusterState;

/** The recorder's outcome rules against the in-memory ledger and an EMR fake, no server: how a run ends. */
class RecordServiceTest {

    private final FastRecorder f = new FastRecorder();

    // ---- a cluster's end --------------------------------------------------------------------------------------

    @Test
    void allStepsCompletedIsSucceededWithTheStepsInSubmissionOrder() {
        f.launched("j-OK");
        f.cluster("j-OK", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "Steps completed",
                step("s-1", SQOOP, "COMPLETED"), step("s-2", SPARK, "COMPLETED"));

        RecordService.Result result = f.records.record(terminated("j-OK", "", ""));

        assertEquals(Outcome.FINAL, result.outcome());
        RunRecord run = f.record();
        assertEquals(RunState.SUCCEEDED, run.state());
        assertNull(run.failure());
        assertEquals(List.of("s-1", "s-2"), run.steps().stream().map(StepOutcome::id).toList());
        assertEquals(f.clock.instant(), run.endedAt());
        assertTrue(f.ledger.openRuns().isEmpty(), "a final run leaves the open index");
    }

    @Test
    void aFailedStepIsFailedNamingTheStepAndItsLogFile() {
        f.launched("j-FAIL");
        f.cluster("j-FAIL", ClusterState.TERMINATED_WITH_ERRORS, "STEP_FAILURE", "Shut down as step failed",
                step("s-1", SQOOP, "COMPLETED"), failedStep("s-2", SPARK, "Job aborted.", "stack trace",
                        "s3://logs/j-FAIL/steps/s-2/stderr.gz"), step("s-3", "extra", "CANCELLED"));

        f.records.record(terminated("j-FAIL", "STEP_FAILURE", "the event's text"));

        RunRecord run = f.record();
        assertEquals(RunState.FAILED, run.state());
        assertEquals(new RunRecord.Failure("STEP_FAILURE", "Shut down as step failed", SPARK), run.failure());
        assertEquals(new StepOutcome("s-2", SPARK, "FAILED", "Job aborted.", "stack trace",
                "s3://logs/j-FAIL/steps/s-2/stderr.gz"), run.steps().get(1));
        assertEquals(List.of("COMPLETED", "FAILED", "CANCELLED"), run.steps().stream().map(StepOutcome::state)
                .toList());
    }

    @Test
    void aSucceededRunRecordsAndAnnouncesEachTablesRowsAndIcebergCommit() {
        f.claimed();
        f.ledger.update(JOB, RUN_KEY, r -> r.withTables(List.of(
                new TableOutput("orders", "s3://lake/orders/_manifest.json", null, "shop.orders", null),
                new TableOutput("customers", "s3://lake/customers/_manifest.json", null),
                new TableOutput("refunds", "s3://lake/refunds/_manifest.json", null, "shop.refunds", null))));
        f.ledger.update(JOB, RUN_KEY, r -> r.launched("j-ICE", CLAIMED_AT.plusSeconds(5)));
        f.ledger.pointCluster(new ClusterPointer("j-ICE", JOB, RUN_KEY));
        f.manifests.put("s3://lake/orders/_manifest.json", new ManifestReader.Manifest(15L, null,
                new Commit(5871234097712345678L, 12, 3, 0), null));
        f.manifests.put("s3://lake/customers/_manifest.json", new ManifestReader.Manifest(1000L, null));
        f.cluster("j-ICE", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "Steps completed",
                step("s-1", SPARK, "COMPLETED"));

        f.records.record(terminated("j-ICE", "", ""));

        RunRecord run = f.record();
        assertEquals(RunState.SUCCEEDED, run.state());
        assertEquals(List.of(
                new TableOutput("orders", "s3://lake/orders/_manifest.json", 15L, "shop.orders",
                        new Commit(5871234097712345678L, 12, 3, 0)),
                new TableOutput("customers", "s3://lake/customers/_manifest.json", 1000L),
                new TableOutput("refunds", "s3://lake/refunds/_manifest.json", null, "shop.refunds", null)),
                run.tables(), "the refunds manifest is missing: no rows, no commit, its catalog table kept");
        String announced = f.events.get(f.events.size() - 1);
        assertTrue(announced.startsWith(RunEvents.RUN_STATE_CHANGE + " "), announced);
        JsonObject detail = RunEventsTest.valid(announced.substring(RunEvents.RUN_STATE_CHANGE.length() + 1));
        assertEquals("SUCCEEDED", detail.getString("state"));
        assertEquals("[{\"name\":\"orders\",\"rowsWritten\":15,\"catalogTable\":\"shop.orders\",\"commit\":"
                + "{\"snapshotId\":\"5871234097712345678\",\"addedRows\":12,\"updatedRows\":3,\"deletedRows\":0}},"
                + "{\"name\":\"customers\",\"rowsWritten\":1000},{\"name\":\"refunds\",\"catalogTable\":"
                + "\"shop.refunds\"}]", detail.getJsonArray("tables").toString());
    }

    @Test
    void aFailedRunRecordsAndAnnouncesWhichTablesWereWrittenAndWhyTheOthersWereNot() {
        f.claimed();
        f.ledger.update(JOB, RUN_KEY, r -> r.withTables(List.of(
                new TableOutput("orders", "s3://lake/orders/_manifest.json", null),
                new TableOutput("customers", "s3://lake/customers/_manifest.json", null),
                new TableOutput("refunds", "s3://lake/refunds/_manifest.json", null))));
        f.ledger.update(JOB, RUN_KEY, r -> r.launched("j-PART", CLAIMED_AT.plusSeconds(5)));
        f.ledger.pointCluster(new ClusterPointer("j-PART", JOB, RUN_KEY));
        f.manifests.put("s3://lake/orders/_manifest.json", new ManifestReader.Manifest(5000L, null));
        String why = "SQLSyntaxErrorException: Table 'shop.customers' doesn't exist";
        f.manifests.put("s3://lake/customers/_manifest.json", new ManifestReader.Manifest(null, null, null, why));
        f.unreadable.add("s3://lake/refunds/_manifest.json");
        f.cluster("j-PART", ClusterState.TERMINATED_WITH_ERRORS, "STEP_FAILURE", "Shut down as step failed",
                step("s-1", SQOOP, "COMPLETED"), failedStep("s-2", SPARK, "1 of 2 tables failed", "trace",
                        "s3://logs/j-PART/steps/s-2/stderr.gz"));

        f.records.record(terminated("j-PART", "STEP_FAILURE", ""));

        RunRecord run = f.record();
        assertEquals(RunState.FAILED, run.state());
        assertEquals(List.of(new TableOutput("orders", "s3://lake/orders/_manifest.json", 5000L),
                new TableOutput("customers", "s3://lake/customers/_manifest.json", null, null, null, why),
                new TableOutput("refunds", "s3://lake/refunds/_manifest.json", null, null, null, "its manifest could"
                        + " not be read: s3://lake/refunds/_manifest.json: rowCount is not an integer")),
                run.tables(), "a failed run is recorded even when a manifest cannot be read");
        String announced = f.events.get(f.events.size() - 1);
        JsonObject detail = RunEventsTest.valid(announced.substring(RunEvents.RUN_STATE_CHANGE.length() + 1));
        assertEquals("FAILED", detail.getString("state"));
        assertEquals("[{\"name\":\"orders\",\"rowsWritten\":5000},{\"name\":\"customers\",\"error\":"
                + "\"SQLSyntaxErrorException: Table 'shop.customers' doesn't exist\"},{\"name\":\"refunds\","
                + "\"error\":\"its manifest could not be read: s3://lake/refunds/_manifest.json: rowCount is not an"
                + " integer\"}]",
                detail.getJsonArray("tables").toString());
    }

    @Test
    void aUserRequestIsFailedWithoutAFailedStep() {
        f.launched("j-USER");
        f.cluster("j-USER", ClusterState.TERMINATED, "USER_REQUEST", "Terminated by user request",
                step("s-1", SQOOP, "CANCELLED"), step("s-2", SPARK, "PENDING"));

        f.records.record(terminated("j-USER", "USER_REQUEST", "Terminated by user request"));

        assertEquals(new RunRecord.Failure("USER_REQUEST", "Terminated by user request", null), f.record().failure());
    }

    @Test
    void theEventsReasonStandsWhenEmrGivesNone() {
        f.launched("j-BOOT");
        f.cluster("j-BOOT", ClusterState.TERMINATED_WITH_ERRORS, null, null, step("s-1", SQOOP, "CANCELLED"));

        f.records.record(terminated("j-BOOT", "BOOTSTRAP_FAILURE", "bootstrap action 1 returned a non-zero code"));

        assertEquals(new RunRecord.Failure("BOOTSTRAP_FAILURE", "bootstrap action 1 returned a non-zero code", null),
                f.record().failure());
    }

    @Test
    void noReasonAnywhereAndNoStepSaysTheClusterRanNothing() {
        f.launched("j-SILENT");
        f.cluster("j-SILENT", ClusterState.TERMINATED, null, null);

        f.records.record(terminated("j-SILENT", "", ""));

        assertEquals(RunState.FAILED, f.record().state());
        assertEquals(new RunRecord.Failure("", "the cluster ended without running any step", null),
                f.record().failure());
    }

    @Test
    void noReasonAnywhereWithUnfinishedStepsSaysNotEveryStepCompleted() {
        f.launched("j-QUIET");
        f.cluster("j-QUIET", ClusterState.TERMINATED, null, null, step("s-1", SQOOP, "COMPLETED"),
                step("s-2", SPARK, "PENDING"));

        f.records.record(terminated("j-QUIET", "", ""));

        assertEquals("EMR gave no reason; not every step completed (see steps)", f.record().failure().message());
    }

    @Test
    void aClusterThatRanNoStepFailedEvenWhenEmrSaysAllStepsCompleted() {
        f.launched("j-EMPTY");
        f.cluster("j-EMPTY", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "Steps completed");

        f.records.record(terminated("j-EMPTY", "ALL_STEPS_COMPLETED", "Steps completed"));

        assertEquals(RunState.FAILED, f.record().state());
        assertEquals("ALL_STEPS_COMPLETED", f.record().failure().code());
    }

    // ---- step events ------------------------------------------------------------------------------------------

    @Test
    void aCompletedStepEventAddsTheStepWithoutAskingEmr() {
        f.launched("j-STEP");

        RecordService.Result result = f.records.record(stepEvent("j-STEP", "s-1", SQOOP, "COMPLETED"));

        assertEquals(Outcome.UPDATED, result.outcome());
        assertEquals(List.of(new StepOutcome("s-1", SQOOP, "COMPLETED", null, null, null)), f.record().steps());
        assertEquals(RunState.LAUNCHED, f.record().state(), "a step does not end the run");
        assertEquals(0, f.emr.calls());
    }

    @Test
    void aFailedStepEventRecordsDescribeStepsDetails() {
        f.launched("j-STEPFAIL");
        f.emr.cluster("j-STEPFAIL", STACK, JOB, RUN_KEY, ClusterState.RUNNING, null, null, CLAIMED_AT)
                .steps("j-STEPFAIL", failedStep("s-2", SPARK, "OutOfMemoryError", "exit 137", "s3://logs/s-2.gz"));

        f.records.record(stepEvent("j-STEPFAIL", "s-2", SPARK, "FAILED"));

        assertEquals(new StepOutcome("s-2", SPARK, "FAILED", "OutOfMemoryError", "exit 137", "s3://logs/s-2.gz"),
                f.record().steps().get(0));
        assertEquals(1, f.emr.calls("DescribeStep", "j-STEPFAIL"));
        assertFalse(f.record().state().terminal(), "the cluster's end ends the run, not a step");
    }

    @Test
    void anOlderStepEventDoesNotOverwriteANewerStepState() {
        f.launched("j-ORDER");
        f.records.record(stepEvent("j-ORDER", "s-1", SQOOP, "COMPLETED"));

        f.records.record(stepEvent("j-ORDER", "s-1", SQOOP, "RUNNING"));

        assertEquals(List.of("COMPLETED"), f.record().steps().stream().map(StepOutcome::state).toList());
    }

    // ---- duplicates and late events ---------------------------------------------------------------------------

    @Test
    void aFinalRecordIsNotWrittenAgainByADuplicateOrALateEvent() {
        f.launched("j-DUP");
        f.cluster("j-DUP", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done", step("s-1", SQOOP, "COMPLETED"));
        f.records.record(terminated("j-DUP", "", ""));
        Versioned<RunRecord> finalRecord = f.versioned();
        int asked = f.emr.calls();

        f.clock.advance(Duration.ofMinutes(5));
        List<Outcome> later = List.of(f.records.record(terminated("j-DUP", "", "")).outcome(),
                f.records.record(clusterEvent("j-DUP", "RUNNING")).outcome(),
                f.records.record(stepEvent("j-DUP", "s-9", "extra", "FAILED")).outcome(),
                f.records.finalise(new ClusterPointer("j-DUP", JOB, RUN_KEY)).outcome());

        assertEquals(List.of(Outcome.UNCHANGED, Outcome.UNCHANGED, Outcome.UNCHANGED, Outcome.UNCHANGED), later);
        assertEquals(finalRecord, f.versioned(), "the final record stands, same version");
        assertEquals(asked, f.emr.calls(), "a final run asks EMR nothing");
    }

    @Test
    void aRunningEventMovesALaunchedRunToRunningOnce() {
        f.launched("j-RUN");

        assertEquals(Outcome.UPDATED, f.records.record(clusterEvent("j-RUN", "RUNNING")).outcome());
        Versioned<RunRecord> running = f.versioned();
        assertEquals(Outcome.UNCHANGED, f.records.record(clusterEvent("j-RUN", "WAITING")).outcome());

        assertEquals(RunState.RUNNING, running.value().state());
        assertEquals(running, f.versioned());
        assertEquals(0, f.emr.calls(), "the pointer names the run");
    }

    @Test
    void aDuplicateClusterOfTheRunDoesNotDecideItsOutcome() {
        f.launched("j-KEPT");
        f.cluster("j-SPARE", ClusterState.TERMINATED, "USER_REQUEST", "Terminated by user request");

        RecordService.Result result = f.records.record(terminated("j-SPARE", "USER_REQUEST", "by user"));

        assertEquals(Outcome.IGNORED, result.outcome());
        assertEquals(RunState.LAUNCHED, f.record().state());
        assertEquals("j-KEPT", f.record().clusterId());
    }

    // ---- the job's state --------------------------------------------------------------------------------------

    @Test
    void aSucceededAppendRunMovesTheWatermarkToItsManifestsKeyAndGivesTheSlotBack() {
        f.launchedIncremental("j-INC");
        f.manifests.put(MANIFEST, new ManifestReader.Manifest(null, 4711L));
        f.cluster("j-INC", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done", step("s-1", SQOOP, "COMPLETED"));

        f.records.record(terminated("j-INC", "", ""));

        var state = f.ledger.readState(JOB).orElseThrow().value();
        assertEquals(4711L, state.table("events").key());
        assertNull(state.inFlight(), "the slot is free again");
    }

    @Test
    void aSucceededAppendRunWithoutItsManifestStaysOpenHoldingTheSlot() {
        f.succeededWithoutItsManifest(RUN_KEY, "j-NOMANIFEST");

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> f.records.record(terminated("j-NOMANIFEST", "", "")));

        assertTrue(e.getMessage().contains("is missing"), e.getMessage());
        assertEquals(RunState.LAUNCHED, f.record().state(), "retried by the next event or the reconcile");
        assertEquals(RUN_KEY, f.ledger.readState(JOB).orElseThrow().value().inFlight());
    }
}
