package dev.emringest.recorder;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.emringest.local.EmrDocuments.cluster;
import static dev.emringest.local.EmrDocuments.failedStep;
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

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.github.tomakehurst.wiremock.WireMockServer;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.EmrStub;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The recorder's outcome rules end to end: EventBridge-shaped events into {@link EmrEventHandler}, a real SDK
 * EmrClient talking to WireMock that answers as EMR documents it (JSON 1.1), and the ledger in moto server's S3.
 * Every case reads the run record back from the ledger.
 */
class RecorderOutcomeIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final String STACK = "teststack";
    private static final String BUCKET = "ledger";
    private static final String JOB = "orders";
    private static final String RUN_KEY = "2026-11-25T02:00:00Z";
    private static final String CLUSTER_NAME = STACK + "-orders-3f9a1c2b7d4e";
    private static final Instant CLAIMED_AT = Instant.parse("2026-11-25T02:00:00Z");
    private static final Instant LAUNCHED_AT = CLAIMED_AT.plusSeconds(5);
    private static final Instant RECORDED_AT = Instant.parse("2026-11-25T02:40:00Z");
    private static final String SQOOP = "sqoop-import orders";
    private static final String SPARK = "spark-load orders";

    private static WireMockServer emrServer;
    private static EmrStub emrStub;

    private S3Client s3;
    private EmrClient emr;
    private Ledger ledger;
    private EmrEventHandler handler;
    private LoggedContext context;

    @BeforeAll
    static void startEmr() {
        emrServer = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        emrServer.start();
        emrStub = new EmrStub(emrServer);
    }

    @AfterAll
    static void stopEmr() {
        emrServer.stop();
    }

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        emrServer.resetAll();
        s3 = MOTO.clients().s3();
        s3.createBucket(r -> r.bucket(BUCKET));
        ledger = new Ledger(s3, BUCKET);
        emr = AwsClients.forEndpoint(URI.create("http://127.0.0.1:" + emrServer.port()), MotoServer.REGION,
                MOTO.credentials(), Duration.ofSeconds(10), Duration.ofSeconds(5)).emr();
        handler = new EmrEventHandler(new RecordService(ledger, emr, ManifestReader.in(s3), STACK,
                Clock.fixed(RECORDED_AT, ZoneOffset.UTC)));
        context = new LoggedContext("recorder");
    }

    @AfterEach
    void closeClients() {
        emr.close();
        s3.close();
    }

    // ---- 1. success ---------------------------------------------------------------------------------------------

    @Test
    void allStepsCompletedIsSucceededWithStepsInSubmissionOrder() {
        launchedRun("j-1SUCCEEDS");
        emrStub.describeCluster(cluster("j-1SUCCEEDS", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        emrStub.listSteps("j-1SUCCEEDS", // newest first, as EMR answers
                step("s-2SPARK", SPARK, "COMPLETED"),
                step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(clusterStateChange("j-1SUCCEEDS", CLUSTER_NAME, "TERMINATED",
                reason("ALL_STEPS_COMPLETED", "Steps completed")));

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
        assertTrue(context.lines().get(0).contains("run=SUCCEEDED"), context.lines().get(0));
    }

    // ---- 2. step failure ----------------------------------------------------------------------------------------

    @Test
    void stepFailureRecordsTheFailedStepAndEmrsReason() {
        launchedRun("j-2STEPFAIL");
        emrStub.describeCluster(cluster("j-2STEPFAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                "Shut down as step failed", ourTags()));
        emrStub.listSteps("j-2STEPFAIL",
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
        assertTrue(context.lines().get(0).contains("reason=STEP_FAILURE failedStep=" + SPARK), context.lines().get(0));
    }

    // ---- 3. user request ----------------------------------------------------------------------------------------

    @Test
    void terminatedByUserIsFailedWithoutAFailedStep() {
        launchedRun("j-3USER");
        emrStub.describeCluster(cluster("j-3USER", CLUSTER_NAME, "TERMINATED", "USER_REQUEST",
                "Terminated by user request", ourTags()));
        emrStub.listSteps("j-3USER",
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
        emrStub.describeCluster(cluster("j-4BOOT", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", null, null, ourTags()));
        emrStub.listSteps("j-4BOOT",
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
        emrStub.describeCluster(cluster("j-4EMPTY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", null, null, ourTags()));
        emrStub.listSteps("j-4EMPTY",
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
        emrStub.describeCluster(cluster("j-5NOSTEPS", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        emrStub.listSteps("j-5NOSTEPS");

        Map<String, String> answer = invoke(clusterStateChange("j-5NOSTEPS", CLUSTER_NAME, "TERMINATED",
                reason("ALL_STEPS_COMPLETED", "Steps completed")));

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
        emrStub.describeCluster(cluster("j-5SILENT", CLUSTER_NAME, "TERMINATED", null, null, ourTags()));
        emrStub.listSteps("j-5SILENT");

        invoke(clusterStateChange("j-5SILENT", CLUSTER_NAME, "TERMINATED", "{\"code\":\"\"}"));

        RunRecord run = record();
        assertEquals(RunState.FAILED, run.state());
        assertNotNull(run.failure());
        assertFalse(run.failure().message() == null || run.failure().message().isBlank(),
                "an operator must be told something");
    }

    // ---- 6. duplicate and out-of-order events -------------------------------------------------------------------

    @Test
    void aSucceededRunIgnoresLateRunningAndDuplicateTerminatedEvents() {
        launchedRun("j-6DUP");
        emrStub.describeCluster(cluster("j-6DUP", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        emrStub.listSteps("j-6DUP", step("s-2SPARK", SPARK, "COMPLETED"), step("s-1SQOOP", SQOOP, "COMPLETED"));
        Map<String, Object> terminated = clusterStateChange("j-6DUP", CLUSTER_NAME, "TERMINATED",
                reason("ALL_STEPS_COMPLETED", "Steps completed"));
        assertEquals("FINAL", invoke(terminated).get("outcome"));
        Versioned<RunRecord> finalRecord = versioned();

        // EMR now says something else: a recorder that asked again would change the record.
        emrServer.resetAll();
        emrStub.describeCluster(cluster("j-6DUP", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "STEP_FAILURE", "x", ourTags()));
        emrStub.listSteps("j-6DUP", failedStep("s-2SPARK", SPARK, "r", "m", "l"), step("s-1SQOOP", SQOOP, "COMPLETED"));

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
        emrStub.describeCluster(cluster("j-6FAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                "Shut down as step failed", ourTags()));
        emrStub.listSteps("j-6FAIL", failedStep("s-1SQOOP", SQOOP, "Unknown Error.", "m",
                "s3://logs/j-6FAIL/steps/s-1SQOOP/stderr.gz"));
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
        emrStub.describeCluster(cluster("j-7LATE", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        emrStub.listSteps("j-7LATE", step("s-2SPARK", SPARK, "COMPLETED"), step("s-1SQOOP", SQOOP, "COMPLETED"));
        emrStub.describeStep("j-7LATE", failedStep("s-2SPARK", SPARK, "r", "m", "l"));
        invoke(clusterStateChange("j-7LATE", CLUSTER_NAME, "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));
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
        assertTrue(context.lines().get(0).contains("IGNORED") && context.lines().get(0).contains("j-8FOREIGN"),
                context.lines().get(0));
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
        String line = context.lines().get(0);
        assertTrue(line.contains("IGNORED") && line.contains("j-8ELSEWHERE") && line.contains("is not valid"), line);
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
        emrStub.describeCluster(cluster("j-8EARLY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE",
                "bootstrap action 1 returned a non-zero return code", ourTags()));
        emrStub.listSteps("j-8EARLY", step("s-2SPARK", SPARK, "CANCELLED"), step("s-1SQOOP", SQOOP, "CANCELLED"));

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
        emrStub.describeCluster(cluster("j-11DUPLICATE", CLUSTER_NAME, "TERMINATED", "USER_REQUEST",
                "Terminated by user request", ourTags()));
        emrStub.listSteps("j-11DUPLICATE", step("s-2DUP", SPARK, "CANCELLED"), step("s-1DUP", SQOOP, "CANCELLED"));
        emrStub.describeCluster(cluster("j-11KEPT", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        emrStub.listSteps("j-11KEPT", step("s-2SPARK", SPARK, "COMPLETED"), step("s-1SQOOP", SQOOP, "COMPLETED"));

        invoke(clusterStateChange("j-11DUPLICATE", CLUSTER_NAME, "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request")));
        RunRecord afterDuplicate = record();
        invoke(clusterStateChange("j-11KEPT", CLUSTER_NAME, "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));

        assertFalse(afterDuplicate.state().terminal(),
                "the duplicate's termination ended run j-11KEPT: " + afterDuplicate);
        RunRecord run = record();
        assertEquals(RunState.SUCCEEDED, run.state());
        assertEquals("j-11KEPT", run.clusterId());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(run));
    }

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
        emrStub.describeCluster(cluster(EVENTS_CLUSTER, "emr-ingest-orders-cd6420d7f6ee", "TERMINATED",
                "ALL_STEPS_COMPLETED", "Steps completed", ourTags()));
        emrStub.listSteps(EVENTS_CLUSTER, step("s-3N0ASLSQKYR1A", SPARK, "COMPLETED"),
                step("s-2M9ZRKRPJXQ0Z", SQOOP, "COMPLETED"));
        invoke(eventFile("emr-cluster-terminated-completed.json"));
        assertEquals(RunState.SUCCEEDED, record().state());
    }

    @Test
    void theSampleStepFailureRecordsWhyAndWhere() {
        launchedRun(EVENTS_CLUSTER);
        emrStub.describeCluster(cluster(EVENTS_CLUSTER, "emr-ingest-orders-cd6420d7f6ee", "TERMINATED_WITH_ERRORS",
                "STEP_FAILURE", "Shut down as step failed", ourTags()));
        emrStub.listSteps(EVENTS_CLUSTER,
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

    // ---- the launcher's part ------------------------------------------------------------------------------------

    /**
     * A LAUNCHED record, as the launcher leaves it once RunJobFlow answered, and the pointer the cluster's first event
     * wrote (see anEarlyRunningEventIsRecordedThroughTheClustersTags).
     */
    private void launchedRun(String clusterId) {
        assertTrue(ledger.claim(RunRecord.claim(JOB, RUN_KEY, "attempt-1", CLUSTER_NAME, "v1", CLAIMED_AT)).created());
        ledger.update(JOB, RUN_KEY, r -> r.launched(clusterId, LAUNCHED_AT));
        ledger.pointCluster(new ClusterPointer(clusterId, JOB, RUN_KEY));
    }

    private RunRecord record() {
        return versioned().value();
    }

    private Versioned<RunRecord> versioned() {
        return ledger.read(JOB, RUN_KEY).orElseThrow(() -> new AssertionError("no run record"));
    }

    private static List<String> ids(RunRecord run) {
        return run.steps().stream().map(StepOutcome::id).toList();
    }

    private static List<String> states(RunRecord run) {
        return run.steps().stream().map(StepOutcome::state).toList();
    }

    private Map<String, String> invoke(Map<String, Object> event) {
        return handler.handle(event, context);
    }

    private static List<Map<String, Object>> ourTags() {
        return tags(STACK, JOB, RUN_KEY);
    }
}
