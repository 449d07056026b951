package dev.emringest.recorder;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.json.JsonMapper;

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
    /** EMR JSON timestamps are epoch seconds, with a fraction. */
    private static final double EPOCH_CREATED = 1764036005.123;
    private static final double EPOCH_ENDED = 1764038467.5;

    private static final String DESCRIBE_CLUSTER = "ElasticMapReduce.DescribeCluster";
    private static final String LIST_STEPS = "ElasticMapReduce.ListSteps";
    private static final String DESCRIBE_STEP = "ElasticMapReduce.DescribeStep";
    private static final String SQOOP = "sqoop-import orders";
    private static final String SPARK = "spark-load orders";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static WireMockServer emrServer;

    private S3Client s3;
    private EmrClient emr;
    private Ledger ledger;
    private EmrEventHandler handler;
    private LoggedContext context;

    @BeforeAll
    static void startEmr() {
        emrServer = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        emrServer.start();
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
        stubDescribeCluster(cluster("j-1SUCCEEDS", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        stubListSteps("j-1SUCCEEDS", // newest first, as EMR answers
                step("s-2SPARK", SPARK, "COMPLETED"),
                step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(clusterEvent("j-1SUCCEEDS", CLUSTER_NAME, "TERMINATED",
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
        stubDescribeCluster(cluster("j-2STEPFAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                "Shut down as step failed", ourTags()));
        stubListSteps("j-2STEPFAIL",
                step("s-3EXTRA", "extra-spark orders", "CANCELLED"),
                failedStep("s-2SPARK", SPARK, "org.apache.spark.SparkException: Job aborted.",
                        "Exception in thread \"main\" org.apache.spark.SparkException: Job aborted.",
                        "s3://logs/j-2STEPFAIL/steps/s-2SPARK/stderr.gz"),
                step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(clusterEvent("j-2STEPFAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
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
        stubDescribeCluster(cluster("j-3USER", CLUSTER_NAME, "TERMINATED", "USER_REQUEST",
                "Terminated by user request", ourTags()));
        stubListSteps("j-3USER",
                step("s-2SPARK", SPARK, "PENDING"),
                step("s-1SQOOP", SQOOP, "CANCELLED"));

        Map<String, String> answer = invoke(clusterEvent("j-3USER", CLUSTER_NAME, "TERMINATED",
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
        stubDescribeCluster(cluster("j-4BOOT", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", null, null, ourTags()));
        stubListSteps("j-4BOOT",
                step("s-2SPARK", SPARK, "CANCELLED"),
                step("s-1SQOOP", SQOOP, "CANCELLED"));

        invoke(clusterEvent("j-4BOOT", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
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
        Map<String, Object> event = clusterEvent("j-4EMPTY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "{\"code\":\"\"}");
        assertEquals(new EmrEvent.Reason("", ""), EmrEvent.from(event).reason());

        launchedRun("j-4EMPTY");
        stubDescribeCluster(cluster("j-4EMPTY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", null, null, ourTags()));
        stubListSteps("j-4EMPTY",
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
        stubDescribeCluster(cluster("j-5NOSTEPS", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        stubListSteps("j-5NOSTEPS");

        Map<String, String> answer = invoke(clusterEvent("j-5NOSTEPS", CLUSTER_NAME, "TERMINATED",
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
        stubDescribeCluster(cluster("j-5SILENT", CLUSTER_NAME, "TERMINATED", null, null, ourTags()));
        stubListSteps("j-5SILENT");

        invoke(clusterEvent("j-5SILENT", CLUSTER_NAME, "TERMINATED", "{\"code\":\"\"}"));

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
        stubDescribeCluster(cluster("j-6DUP", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        stubListSteps("j-6DUP", step("s-2SPARK", SPARK, "COMPLETED"), step("s-1SQOOP", SQOOP, "COMPLETED"));
        Map<String, Object> terminated = clusterEvent("j-6DUP", CLUSTER_NAME, "TERMINATED",
                reason("ALL_STEPS_COMPLETED", "Steps completed"));
        assertEquals("FINAL", invoke(terminated).get("outcome"));
        Versioned<RunRecord> finalRecord = versioned();

        // EMR now says something else: a recorder that asked again would change the record.
        emrServer.resetAll();
        stubDescribeCluster(cluster("j-6DUP", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "STEP_FAILURE", "x", ourTags()));
        stubListSteps("j-6DUP", failedStep("s-2SPARK", SPARK, "r", "m", "l"), step("s-1SQOOP", SQOOP, "COMPLETED"));

        Map<String, String> late = invoke(clusterEvent("j-6DUP", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));
        Map<String, String> duplicate = invoke(terminated);

        assertEquals("UNCHANGED", late.get("outcome"));
        assertEquals("SUCCEEDED", late.get("state"));
        assertEquals("UNCHANGED", duplicate.get("outcome"));
        assertEquals("SUCCEEDED", duplicate.get("state"));
        Versioned<RunRecord> now = versioned();
        assertEquals(finalRecord.etag(), now.etag(), "a final record is not written again");
        assertEquals(finalRecord.value(), now.value());
        assertEquals(RunState.SUCCEEDED, now.value().state());
        assertEquals(0, calls(DESCRIBE_CLUSTER, "j-6DUP"), "a final run asks EMR nothing");
        assertEquals(0, calls(LIST_STEPS, "j-6DUP"), "a final run asks EMR nothing");
        assertEquals(3, context.lines().size());
    }

    @Test
    void aFailedRunStaysFailedThroughLateAndRepeatedEvents() {
        launchedRun("j-6FAIL");
        stubDescribeCluster(cluster("j-6FAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "STEP_FAILURE",
                "Shut down as step failed", ourTags()));
        stubListSteps("j-6FAIL", failedStep("s-1SQOOP", SQOOP, "Unknown Error.", "m",
                "s3://logs/j-6FAIL/steps/s-1SQOOP/stderr.gz"));
        Map<String, Object> terminated = clusterEvent("j-6FAIL", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
                reason("STEP_FAILURE", "Shut down as step failed"));
        invoke(terminated);
        Versioned<RunRecord> finalRecord = versioned();
        assertEquals(RunState.FAILED, finalRecord.value().state());
        int describesBefore = calls(DESCRIBE_CLUSTER, "j-6FAIL");
        int listsBefore = calls(LIST_STEPS, "j-6FAIL");

        assertEquals("UNCHANGED", invoke(clusterEvent("j-6FAIL", CLUSTER_NAME, "STARTING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals("UNCHANGED", invoke(clusterEvent("j-6FAIL", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals("UNCHANGED", invoke(terminated).get("outcome"));

        Versioned<RunRecord> now = versioned();
        assertEquals(finalRecord.etag(), now.etag());
        assertEquals(RunState.FAILED, now.value().state());
        assertEquals(finalRecord.value().failure(), now.value().failure());
        assertEquals(describesBefore, calls(DESCRIBE_CLUSTER, "j-6FAIL"));
        assertEquals(listsBefore, calls(LIST_STEPS, "j-6FAIL"));
    }

    // ---- 7. step events -----------------------------------------------------------------------------------------

    @Test
    void aCompletedStepEventAddsTheStep() {
        launchedRun("j-7STEP");

        Map<String, String> answer = invoke(stepEvent("j-7STEP", "s-1SQOOP", SQOOP, "COMPLETED"));

        assertEquals("UPDATED", answer.get("outcome"));
        RunRecord run = record();
        assertFalse(run.state().terminal(), "a step does not end the run");
        assertEquals(1, run.steps().size());
        assertEquals(new StepOutcome("s-1SQOOP", SQOOP, "COMPLETED", null, null, null), run.steps().get(0));
        assertEquals(RECORDED_AT, run.updatedAt());
        assertEquals(0, calls(DESCRIBE_STEP, "j-7STEP"), "a completed step needs no DescribeStep");
    }

    @Test
    void aFailedStepEventRecordsDescribeStepsFailureDetails() {
        launchedRun("j-7FAILSTEP");
        stubDescribeStep("j-7FAILSTEP", failedStep("s-2SPARK", SPARK, "java.lang.OutOfMemoryError: Java heap space",
                "Container killed on request. Exit code is 137", "s3://logs/j-7FAILSTEP/steps/s-2SPARK/stderr.gz"));

        invoke(stepEvent("j-7FAILSTEP", "s-1SQOOP", SQOOP, "COMPLETED"));
        Map<String, String> answer = invoke(stepEvent("j-7FAILSTEP", "s-2SPARK", SPARK, "FAILED"));

        assertEquals("UPDATED", answer.get("outcome"));
        assertEquals(1, calls(DESCRIBE_STEP, "j-7FAILSTEP"));
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
        stubDescribeCluster(cluster("j-7LATE", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        stubListSteps("j-7LATE", step("s-2SPARK", SPARK, "COMPLETED"), step("s-1SQOOP", SQOOP, "COMPLETED"));
        stubDescribeStep("j-7LATE", failedStep("s-2SPARK", SPARK, "r", "m", "l"));
        invoke(clusterEvent("j-7LATE", CLUSTER_NAME, "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));
        Versioned<RunRecord> finalRecord = versioned();

        Map<String, String> failed = invoke(stepEvent("j-7LATE", "s-2SPARK", SPARK, "FAILED"));
        Map<String, String> added = invoke(stepEvent("j-7LATE", "s-9NEW", "extra", "COMPLETED"));

        assertEquals("UNCHANGED", failed.get("outcome"));
        assertEquals("UNCHANGED", added.get("outcome"));
        Versioned<RunRecord> now = versioned();
        assertEquals(finalRecord.etag(), now.etag());
        assertEquals(RunState.SUCCEEDED, now.value().state());
        assertEquals(List.of("s-1SQOOP", "s-2SPARK"), ids(now.value()));
        assertEquals(0, calls(DESCRIBE_STEP, "j-7LATE"));
    }

    // ---- 8. clusters of other stacks, and events that arrive before the pointer ---------------------------------

    @Test
    void aForeignClusterEventIsIgnoredWithoutAskingEmr() {
        launchedRun("j-8OURS");
        Versioned<RunRecord> before = versioned();

        Map<String, String> answer = invoke(clusterEvent("j-8FOREIGN", "otherstack-orders-3f9a1c2b7d4e",
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
        stubDescribeCluster(cluster("j-8OTHER", "otherstack-orders-3f9a1c2b7d4e", "RUNNING", null, null,
                tags("otherstack", JOB, RUN_KEY)));

        Map<String, String> answer = invoke(stepEvent("j-8OTHER", "s-1OTHER", SQOOP, "COMPLETED"));

        assertEquals("IGNORED", answer.get("outcome"));
        assertEquals(1, calls(DESCRIBE_CLUSTER, "j-8OTHER"));
        assertEquals(0, calls(LIST_STEPS, "j-8OTHER"));
        assertEquals(0, calls(DESCRIBE_STEP, "j-8OTHER"));
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
        emrServer.stubFor(emrCall(DESCRIBE_CLUSTER)
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo("j-8ELSEWHERE")))
                .willReturn(aResponse().withStatus(400)
                        .withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                        .withBody(json(obj("__type", "InvalidRequestException",
                                "Message", "Cluster id 'j-8ELSEWHERE' is not valid.")))));

        Map<String, String> answer = invoke("cluster".equals(kind)
                ? clusterEvent("j-8ELSEWHERE", CLUSTER_NAME, "TERMINATED", reason("ALL_STEPS_COMPLETED", "done"))
                : stepEvent("j-8ELSEWHERE", "s-1ELSEWHERE", SQOOP, "COMPLETED"));

        assertEquals("IGNORED", answer.get("outcome"));
        assertNull(answer.get("job"));
        assertEquals(1, calls(DESCRIBE_CLUSTER, "j-8ELSEWHERE"), "asked once: the answer cannot change on a retry");
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
        stubDescribeCluster(cluster("j-8DEV", "teststack-dev-orders-3f9a1c2b7d4e", "TERMINATED",
                "ALL_STEPS_COMPLETED", "Steps completed", tags("teststack-dev", JOB, RUN_KEY)));
        stubListSteps("j-8DEV", step("s-1DEV", SQOOP, "COMPLETED"));

        Map<String, String> answer = invoke(clusterEvent("j-8DEV", "teststack-dev-orders-3f9a1c2b7d4e",
                "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));

        assertEquals("IGNORED", answer.get("outcome"));
        assertEquals(before.etag(), versioned().etag());
        assertEquals(RunState.LAUNCHED, record().state());
    }

    @Test
    void anEarlyTerminalEventIsRecordedThroughTheClustersTags() {
        // The launcher claimed the run and started the cluster, but has not written the cluster id yet.
        ledger.claim(RunRecord.claim(JOB, RUN_KEY, "attempt-1", CLUSTER_NAME, "v1", CLAIMED_AT));
        stubDescribeCluster(cluster("j-8EARLY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS", "BOOTSTRAP_FAILURE",
                "bootstrap action 1 returned a non-zero return code", ourTags()));
        stubListSteps("j-8EARLY", step("s-2SPARK", SPARK, "CANCELLED"), step("s-1SQOOP", SQOOP, "CANCELLED"));

        Map<String, String> answer = invoke(clusterEvent("j-8EARLY", CLUSTER_NAME, "TERMINATED_WITH_ERRORS",
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
        stubDescribeCluster(cluster("j-8EARLYRUN", CLUSTER_NAME, "RUNNING", null, null, ourTags()));

        Map<String, String> answer = invoke(clusterEvent("j-8EARLYRUN", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));

        assertEquals("UPDATED", answer.get("outcome"));
        RunRecord run = record();
        assertEquals(RunState.RUNNING, run.state());
        assertEquals("j-8EARLYRUN", run.clusterId());
        assertEquals(1, calls(DESCRIBE_CLUSTER, "j-8EARLYRUN"));
        // The launcher writes no pointer: the first event found the run by the tags and wrote it for the next ones.
        assertEquals(new ClusterPointer("j-8EARLYRUN", JOB, RUN_KEY), ledger.cluster("j-8EARLYRUN").orElse(null));
        invoke(clusterEvent("j-8EARLYRUN", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));
        assertEquals(1, calls(DESCRIBE_CLUSTER, "j-8EARLYRUN"), "the second event reads the pointer, not EMR");
    }

    @Test
    void anEarlyEventNamingARunWithoutARecordIsIgnored() {
        stubDescribeCluster(cluster("j-8NORECORD", CLUSTER_NAME, "RUNNING", null, null, ourTags()));

        Map<String, String> answer = invoke(clusterEvent("j-8NORECORD", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));

        assertEquals("IGNORED", answer.get("outcome"));
        assertTrue(ledger.read(JOB, RUN_KEY).isEmpty(), "the recorder never creates a run");
    }

    // ---- 9. running ---------------------------------------------------------------------------------------------

    @Test
    void aRunningEventMovesALaunchedRunToRunning() {
        launchedRun("j-9RUN");

        Map<String, String> answer = invoke(clusterEvent("j-9RUN", CLUSTER_NAME, "RUNNING", "{\"code\":\"\"}"));

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
        assertEquals("UNCHANGED", invoke(clusterEvent("j-9RUN", CLUSTER_NAME, "WAITING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals(running.etag(), versioned().etag());
    }

    // ---- beyond the list: ordering within a step, and a second cluster of one run -------------------------------

    @Test
    void anOlderStepEventDoesNotOverwriteANewerStepState() {
        launchedRun("j-10ORDER");

        invoke(stepEvent("j-10ORDER", "s-1SQOOP", SQOOP, "COMPLETED"));
        invoke(stepEvent("j-10ORDER", "s-1SQOOP", SQOOP, "RUNNING")); // delivered late

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
        stubDescribeCluster(cluster("j-11DUPLICATE", CLUSTER_NAME, "TERMINATED", "USER_REQUEST",
                "Terminated by user request", ourTags()));
        stubListSteps("j-11DUPLICATE", step("s-2DUP", SPARK, "CANCELLED"), step("s-1DUP", SQOOP, "CANCELLED"));
        stubDescribeCluster(cluster("j-11KEPT", CLUSTER_NAME, "TERMINATED", "ALL_STEPS_COMPLETED",
                "Steps completed", ourTags()));
        stubListSteps("j-11KEPT", step("s-2SPARK", SPARK, "COMPLETED"), step("s-1SQOOP", SQOOP, "COMPLETED"));

        invoke(clusterEvent("j-11DUPLICATE", CLUSTER_NAME, "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request")));
        RunRecord afterDuplicate = record();
        invoke(clusterEvent("j-11KEPT", CLUSTER_NAME, "TERMINATED", reason("ALL_STEPS_COMPLETED", "Steps completed")));

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
        stubDescribeCluster(cluster(EVENTS_CLUSTER, "emr-ingest-orders-cd6420d7f6ee", "TERMINATED",
                "ALL_STEPS_COMPLETED", "Steps completed", ourTags()));
        stubListSteps(EVENTS_CLUSTER, step("s-3N0ASLSQKYR1A", SPARK, "COMPLETED"),
                step("s-2M9ZRKRPJXQ0Z", SQOOP, "COMPLETED"));
        invoke(eventFile("emr-cluster-terminated-completed.json"));
        assertEquals(RunState.SUCCEEDED, record().state());
    }

    @Test
    void theSampleStepFailureRecordsWhyAndWhere() {
        launchedRun(EVENTS_CLUSTER);
        stubDescribeCluster(cluster(EVENTS_CLUSTER, "emr-ingest-orders-cd6420d7f6ee", "TERMINATED_WITH_ERRORS",
                "STEP_FAILURE", "Shut down as step failed", ourTags()));
        stubListSteps(EVENTS_CLUSTER,
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
        stubDescribeStep(EVENTS_CLUSTER, failedStep("s-3N0ASLSQKYR1A", SPARK, "Unknown Error.", "Job aborted",
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

    // ---- EventBridge events, deserialised as the Lambda runtime does for a Map input ----------------------------

    private static Map<String, Object> clusterEvent(String clusterId, String name, String state, String reasonJson) {
        String severity = "TERMINATED_WITH_ERRORS".equals(state) ? "ERROR" : "INFO";
        return envelope("EMR Cluster State Change", obj(
                "severity", severity,
                "stateChangeReason", reasonJson,
                "name", name,
                "clusterId", clusterId,
                "state", state,
                "message", "Amazon EMR Cluster " + clusterId + " (" + name + ") is " + state + "."));
    }

    private static Map<String, Object> stepEvent(String clusterId, String stepId, String stepName, String state) {
        return envelope("EMR Step Status Change", obj(
                "severity", "FAILED".equals(state) ? "ERROR" : "INFO",
                "actionOnFailure", "TERMINATE_CLUSTER",
                "stepId", stepId,
                "name", stepName,
                "clusterId", clusterId,
                "state", state,
                "message", "Step " + stepId + " (" + stepName + ") in Amazon EMR cluster " + clusterId + " is "
                        + state + "."));
    }

    /** {@code detail.stateChangeReason} is itself a JSON string. */
    private static String reason(String code, String message) {
        return json(obj("code", code, "message", message));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> envelope(String detailType, Map<String, Object> detail) {
        String text = json(obj(
                "version", "0",
                "id", UUID.randomUUID().toString(),
                "detail-type", detailType,
                "source", "aws.emr",
                "account", "123456789012",
                "time", "2026-11-25T02:31:07Z",
                "region", "us-east-1",
                "resources", List.of(),
                "detail", detail));
        return (Map<String, Object>) JacksonFactory.getInstance().getSerializer(Map.class).fromJson(text);
    }

    // ---- EMR's answers (JSON 1.1, as the EMR API reference documents them) --------------------------------------

    private static List<Map<String, Object>> ourTags() {
        return tags(STACK, JOB, RUN_KEY);
    }

    private static List<Map<String, Object>> tags(String stack, String job, String runKey) {
        return List.of(
                obj("Key", "emr-ingest:stack", "Value", stack),
                obj("Key", "emr-ingest:job", "Value", job),
                obj("Key", "emr-ingest:run-key", "Value", runKey),
                obj("Key", "team", "Value", "data"));
    }

    private static Map<String, Object> cluster(String id, String name, String state, String code, String message,
                                               List<Map<String, Object>> tags) {
        Map<String, Object> reason = code == null ? obj() : obj("Code", code, "Message", message);
        Map<String, Object> timeline = obj("CreationDateTime", EPOCH_CREATED, "ReadyDateTime", EPOCH_CREATED + 300);
        if (state.startsWith("TERMINATED")) {
            timeline.put("EndDateTime", EPOCH_ENDED);
        }
        return obj(
                "Id", id,
                "Name", name,
                "Status", obj("State", state, "StateChangeReason", reason, "Timeline", timeline),
                "Ec2InstanceAttributes", obj("Ec2SubnetId", "subnet-0abc", "IamInstanceProfile", "teststack-ec2"),
                "LogUri", "s3n://logs/",
                "ReleaseLabel", "emr-7.4.0",
                "AutoTerminate", true,
                "TerminationProtected", false,
                "VisibleToAllUsers", true,
                "Applications", List.of(obj("Name", "Hadoop", "Version", "3.3.6"), obj("Name", "Sqoop", "Version", "1.4.7"),
                        obj("Name", "Spark", "Version", "3.5.2")),
                "Tags", tags,
                "ServiceRole", "teststack-emr-service",
                "NormalizedInstanceHours", 16,
                "MasterPublicDnsName", "ip-10-0-0-12.ec2.internal",
                "ClusterArn", "arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/" + id,
                "StepConcurrencyLevel", 1);
    }

    private static Map<String, Object> step(String id, String name, String state) {
        return stepDocument(id, name, state, null);
    }

    private static Map<String, Object> failedStep(String id, String name, String reason, String message,
                                                  String logFile) {
        Map<String, Object> details = obj("Reason", reason);
        if (message != null) {
            details.put("Message", message);
        }
        details.put("LogFile", logFile);
        return stepDocument(id, name, "FAILED", details);
    }

    private static Map<String, Object> stepDocument(String id, String name, String state,
                                                    Map<String, Object> failureDetails) {
        Map<String, Object> timeline = obj("CreationDateTime", EPOCH_CREATED + 1);
        if (!"PENDING".equals(state)) {
            timeline.put("StartDateTime", EPOCH_CREATED + 400);
        }
        if (List.of("COMPLETED", "FAILED", "CANCELLED").contains(state)) {
            timeline.put("EndDateTime", EPOCH_ENDED - 10);
        }
        Map<String, Object> status = obj("State", state, "StateChangeReason", obj(), "Timeline", timeline);
        if (failureDetails != null) {
            status.put("FailureDetails", failureDetails);
        }
        return obj(
                "Id", id,
                "Name", name,
                "Config", obj("Jar", "command-runner.jar", "Properties", obj(), "Args", List.of("bash", "-c", "true")),
                "ActionOnFailure", "TERMINATE_CLUSTER",
                "Status", status);
    }

    private static void stubDescribeCluster(Map<String, Object> cluster) {
        emrServer.stubFor(emrCall(DESCRIBE_CLUSTER)
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo((String) cluster.get("Id"))))
                .willReturn(emrAnswer(obj("Cluster", cluster))));
    }

    @SafeVarargs
    private static void stubListSteps(String clusterId, Map<String, Object>... newestFirst) {
        emrServer.stubFor(emrCall(LIST_STEPS)
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo(clusterId)))
                .willReturn(emrAnswer(obj("Steps", new ArrayList<>(List.of(newestFirst))))));
    }

    private static void stubDescribeStep(String clusterId, Map<String, Object> step) {
        emrServer.stubFor(emrCall(DESCRIBE_STEP)
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo(clusterId)))
                .withRequestBody(matchingJsonPath("$.StepId", equalTo((String) step.get("Id"))))
                .willReturn(emrAnswer(obj("Step", step))));
    }

    private static com.github.tomakehurst.wiremock.client.MappingBuilder emrCall(String target) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(target));
    }

    private static ResponseDefinitionBuilder emrAnswer(Object body) {
        return aResponse().withStatus(200)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .withBody(json(body));
    }

    /** How many calls of {@code target} about {@code clusterId} EMR (WireMock) received. */
    private static int calls(String target, String clusterId) {
        RequestPatternBuilder pattern = postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo(target))
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo(clusterId)));
        return emrServer.findAll(pattern).size();
    }

    private static Map<String, Object> obj(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static String json(Object value) {
        return JSON.writeValueAsString(value);
    }
}
