package dev.emringest.recorder;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import dev.emringest.jobs.JobDefinitionException;
import dev.emringest.json.JsonDocuments;
import dev.emringest.launcher.LaunchRequest;
import dev.emringest.launcher.LaunchService;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Run events as a consumer receives them: a rule with the documented pattern on moto server's default bus sends
 * them to an SQS queue, read back field by field. The recorder's EventBridge calls go through WireMock (a proxy to
 * moto), which fails {@code PutEvents} where a test says so.
 */
class RunEventsIT {

    private static final MotoServer MOTO = MotoServer.shared();
    /** The pattern docs/observability.md gives for this stack's run events. */
    private static final String PATTERN = "{\"source\": [\"emr-ingest\"], \"detail-type\": [\"Run State Change\"],"
            + " \"detail\": {\"stack\": [\"" + ExampleAccount.STACK + "\"]}}";
    private static final String PUT_EVENTS = "AWSEvents.PutEvents";
    private static final Instant FIRST = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));

    @RegisterExtension
    static final WireMockExtension wireMock = WireMockExtension.newInstance()
            .options(options().dynamicPort().bindAddress("127.0.0.1")).build();
    private IncrementalJobOnMoto job;
    private SqsClient sqs;
    private String queueUrl;
    /** Where template.yaml's RunFailedNotificationRule pattern sends what it selects (the topic, in the stack). */
    private String failuresUrl;
    private final LoggedContext context = new LoggedContext("recorder");

    @BeforeEach
    void stackWithARuleToAQueue() throws IOException {
        wireMock.resetAll();
        wireMock.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));
        job = new IncrementalJobOnMoto(URI.create(wireMock.baseUrl()));
        sqs = SqsClient.builder().endpointOverride(MOTO.endpoint()).credentialsProvider(MOTO.credentials())
                .region(software.amazon.awssdk.regions.Region.of(MotoServer.REGION)).build();
        queueUrl = sqs.createQueue(r -> r.queueName("run-events")).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        failuresUrl = sqs.createQueue(r -> r.queueName("run-failures")).queueUrl();
        String failuresArn = sqs.getQueueAttributes(r -> r.queueUrl(failuresUrl)
                .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
        try (EventBridgeClient events = MOTO.clients().eventBridge()) {
            events.putRule(r -> r.name("run-events").eventPattern(PATTERN));
            events.putTargets(r -> r.rule("run-events").targets(t -> t.id("queue").arn(queueArn)));
            events.putRule(r -> r.name("run-failed").eventPattern(
                    TemplateRules.pattern("RunFailedNotificationRule", ExampleAccount.STACK)));
            events.putTargets(r -> r.rule("run-failed").targets(t -> t.id("failures").arn(failuresArn)));
        }
        // The example lake the job writes to, where the Spark steps leave their manifests.
        job.s3.createBucket(r -> r.bucket("example-lake"));
    }

    @AfterEach
    void close() {
        sqs.close();
        job.close();
    }

    @Test
    void aSucceededAndAFailedRunDeliverExactlyTheDocumentedEvents() {
        LaunchService.Result succeeded = job.launches.launch(IncrementalJobOnMoto.scheduled(FIRST));
        RunRecord launched = job.record(succeeded.runKey());
        job.succeeding.add(succeeded.clusterId());
        manifest(launched, IncrementalJobOnMoto.TIMED, 120, null, ", \"commit\": {\"table\": \"shop.orders\","
                + " \"snapshotId\": 9223372036854775807, \"addedRows\": 100, \"updatedRows\": 20, \"deletedRows\": 0,"
                + " \"committedNow\": true}");
        manifest(launched, IncrementalJobOnMoto.KEYED, 30, 4711L, "");
        end(succeeded);

        LaunchService.Result failed = job.launches.launch(IncrementalJobOnMoto.scheduled(FIRST.plus(Duration.ofHours(1))));
        end(failed);

        List<JsonObject> events = received();
        assertEquals(List.of(succeeded.runKey() + "/LAUNCHED", succeeded.runKey() + "/SUCCEEDED",
                failed.runKey() + "/LAUNCHED", failed.runKey() + "/FAILED"), keys(events));
        for (JsonObject e : events) {
            assertEquals("emr-ingest", e.getString("source"));
            assertEquals("Run State Change", e.getString("detail-type"));
        }
        RunRecord won = job.record(succeeded.runKey());
        JsonObject launchedEvent = events.get(0).getJsonObject("detail");
        assertEquals(IncrementalJobOnMoto.JOB + "/" + succeeded.runKey() + "/LAUNCHED",
                launchedEvent.getString("eventKey"));
        assertEquals(ExampleAccount.STACK, launchedEvent.getString("stack"));
        assertEquals(IncrementalJobOnMoto.JOB, launchedEvent.getString("job"));
        assertEquals(succeeded.runKey(), launchedEvent.getString("runKey"));
        assertEquals("LAUNCHED", launchedEvent.getString("state"));
        assertTrue(launchedEvent.isNull("previousState"));
        assertEquals(won.launchedAt().toString(), launchedEvent.getString("at"));
        assertEquals(succeeded.clusterId(), launchedEvent.getString("clusterId"));
        assertEquals(succeeded.clusterName(), launchedEvent.getString("clusterName"));
        assertEquals(won.definitionVersion(), launchedEvent.getString("definitionVersion"));
        assertEquals(won.createdAt().toString(), launchedEvent.getString("createdAt"));
        assertFalse(launchedEvent.containsKey("endedAt") || launchedEvent.containsKey("failure")
                || launchedEvent.containsKey("tables"), launchedEvent.toString());

        JsonObject success = events.get(1).getJsonObject("detail");
        assertEquals("LAUNCHED", success.getString("previousState"));
        assertEquals(won.endedAt().toString(), success.getString("endedAt"));
        assertEquals(won.endedAt().toString(), success.getString("at"));
        assertEquals(Duration.between(won.launchedAt(), won.endedAt()).toSeconds(),
                success.getJsonNumber("durationSeconds").longValue());
        // The commit the manifest reported, its snapshot id as text: exact through EventBridge and SQS.
        assertEquals("[{\"name\":\"orders\",\"rowsWritten\":120,\"commit\":{\"snapshotId\":\"9223372036854775807\","
                + "\"addedRows\":100,\"updatedRows\":20,\"deletedRows\":0}},{\"name\":\"events\",\"rowsWritten\":30}]",
                success.getJsonArray("tables").toString());
        assertEquals(new RunRecord.Commit(Long.MAX_VALUE, 100, 20, 0), won.tables().get(0).commit());
        assertFalse(success.containsKey("failure"));

        JsonObject failure = events.get(3).getJsonObject("detail");
        assertEquals("FAILED", failure.getString("state"));
        assertEquals("LAUNCHED", failure.getString("previousState"));
        assertEquals("USER_REQUEST", failure.getJsonObject("failure").getString("code"));
        assertEquals("Terminated by user request", failure.getJsonObject("failure").getString("message"));
        // Each table of the run, with nothing written: the user stopped the cluster before any manifest.
        assertTrue(failure.getJsonArray("tables").stream().allMatch(t -> t.asJsonObject().keySet()
                .equals(java.util.Set.of("name"))), failure.toString());

        // The metrics: once per end, with the values of the record.
        assertEquals(List.of(
                succeeded.runKey() + " RunsSucceeded=1 RunDuration=" + Duration.between(won.launchedAt(),
                        won.endedAt()).toSeconds() + " RowsWritten=150",
                failed.runKey() + " RunsFailed=1 RunDuration=" + duration(job.record(failed.runKey()))),
                metrics());

        // template.yaml's notification rule selects exactly the failure.
        assertEquals(List.of(failed.runKey() + "/FAILED"), keys(received(failuresUrl)));

        // One log line per announced state, its outcome the state: what the failure queries count.
        assertEquals(List.of("LAUNCHED", "SUCCEEDED", "LAUNCHED", "FAILED"), job.lines.stream()
                .map(l -> JsonDocuments.read(l).asJsonObject().getString("outcome")).toList());
        assertTrue(job.lines.get(3).contains("\"level\":\"ERROR\"") && job.lines.get(3).contains("USER_REQUEST"),
                job.lines.get(3));

        // Nothing is left to announce: a reconcile pass sends nothing again, and the runs leave the open index.
        assertEquals(0, job.reconcile.reconcile().announced());
        assertEquals(List.of(), received());
        assertTrue(job.ledger.openRuns().isEmpty(), job.ledger.openRuns().toString());
    }

    @ParameterizedTest(name = "PutEvents answers {0}")
    @ValueSource(strings = {"500", "throttled", "failed entries"})
    void anEventEventBridgeDidNotTakeArrivesAfterTheReconcileOnce(String fault) {
        wireMock.stubFor(post(anyUrl()).atPriority(1).withHeader("X-Amz-Target", equalTo(PUT_EVENTS))
                .willReturn(switch (fault) {
                    case "500" -> awsError(500, "InternalException", "We encountered an internal error");
                    case "throttled" -> awsError(400, "ThrottlingException", "Rate exceeded");
                    default -> aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1")
                            .withBody("{\"FailedEntryCount\":2,\"Entries\":[{\"ErrorCode\":\"InternalFailure\","
                                    + "\"ErrorMessage\":\"try again\"},{\"ErrorCode\":\"InternalFailure\","
                                    + "\"ErrorMessage\":\"try again\"}]}");
                }));
        LaunchService.Result failed = job.launches.launch(IncrementalJobOnMoto.scheduled(FIRST));
        Map<String, String> answer = end(failed);

        assertEquals("FINAL", answer.get("outcome"), "the recorder records the run whatever EventBridge says");
        assertTrue(context.lines().stream().anyMatch(l -> l.contains("\"outcome\":\"ANNOUNCE_DEFERRED\"")
                && l.contains("PutEvents")), context.lines().toString());
        RunRecord recorded = job.record(failed.runKey());
        assertEquals(RunState.FAILED, recorded.state());
        assertEquals(0, recorded.announced());
        assertEquals(List.of(), received());
        assertEquals(List.of(), metrics(), "a state counts in the metrics when it is announced");
        assertEquals(1, job.ledger.openRuns().size(), "an unannounced run stays in the open index");

        wireMock.resetAll();
        wireMock.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));
        assertEquals(1, job.reconcile.reconcile().announced());
        assertEquals(List.of(failed.runKey() + "/LAUNCHED", failed.runKey() + "/FAILED"), keys(received()));
        assertEquals(List.of(failed.runKey() + " RunsFailed=1 RunDuration=" + duration(job.record(failed.runKey()))),
                metrics());
        assertEquals(0, job.reconcile.reconcile().announced());
        assertEquals(List.of(), received(), "announced once");
        assertTrue(job.ledger.openRuns().isEmpty());
    }

    @Test
    void aRunTheLauncherEndedIsAnnouncedByTheReconcile() {
        ExampleAccount.put(MOTO.clients().ssm(), ExampleAccount.PREFIX + "/jobs/" + IncrementalJobOnMoto.JOB,
                "{\"source\": 42}");
        LaunchRequest request = IncrementalJobOnMoto.scheduled(FIRST);
        assertThrows(JobDefinitionException.class, () -> job.launches.launch(request));
        RunRecord refused = job.record(request.runKey());
        assertEquals(RunState.LAUNCH_FAILED, refused.state());
        assertEquals(List.of(), received(), "the launcher announces nothing");

        assertEquals(1, job.reconcile.reconcile().announced());
        List<JsonObject> events = received();
        assertEquals(List.of(refused.runKey() + "/LAUNCH_FAILED"), keys(events));
        JsonObject detail = events.get(0).getJsonObject("detail");
        assertEquals(RunRecord.INVALID_DEFINITION, detail.getJsonObject("failure").getString("code"));
        assertTrue(detail.getJsonObject("failure").getString("message").contains("source"),
                detail.toString());
        assertEquals(List.of(refused.runKey() + " RunsLaunchFailed=1"), metrics());
        assertEquals(List.of(refused.runKey() + "/LAUNCH_FAILED"), keys(received(failuresUrl)));
        assertTrue(job.ledger.openRuns().isEmpty());
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** Ends the run's cluster and hands the recorder EMR's terminal event for it. */
    private Map<String, String> end(LaunchService.Result run) {
        job.terminate(run.clusterId());
        return new EmrEventHandler(job.records).handle(ReconcileAgainstMoto.terminatedByUser(run), context);
    }

    /** @param more more fields of the manifest, each after a comma */
    private void manifest(RunRecord run, String table, long rows, Long maxKey, String more) {
        URI uri = URI.create(run.tables().stream().filter(t -> t.name().equals(table)).findFirst().orElseThrow()
                .manifest());
        job.s3.putObject(r -> r.bucket(uri.getHost()).key(uri.getPath().substring(1)), RequestBody.fromString(
                "{\"table\": \"" + table + "\", \"rowCount\": " + rows + ", \"maxKey\": " + maxKey + more + "}"));
    }

    /** The events the queue received since the last call, oldest first by their state's time. */
    private List<JsonObject> received() {
        return received(queueUrl);
    }

    private List<JsonObject> received(String queueUrl) {
        List<JsonObject> events = new ArrayList<>();
        for (int empty = 0; empty < 2; ) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(10)
                    .waitTimeSeconds(1)).messages();
            if (batch.isEmpty()) {
                empty++;
            }
            for (Message m : batch) {
                events.add(JsonDocuments.read(m.body()).asJsonObject());
                sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        events.sort((a, b) -> {
            int byRun = a.getJsonObject("detail").getString("runKey").compareTo(b.getJsonObject("detail")
                    .getString("runKey"));
            return byRun != 0 ? byRun : Instant.parse(a.getJsonObject("detail").getString("at"))
                    .compareTo(Instant.parse(b.getJsonObject("detail").getString("at")));
        });
        return events;
    }

    private static List<String> keys(List<JsonObject> events) {
        return events.stream().map(e -> e.getJsonObject("detail").getString("runKey") + "/"
                + e.getJsonObject("detail").getString("state")).toList();
    }

    /** {@code runKey Name=value ...} per emitted metric line, without instance hours (moto reports none). */
    private List<String> metrics() {
        List<String> lines = job.metrics.stream().map(m -> m.runKey() + " " + m.metrics().stream()
                .filter(x -> !x.name().equals("NormalizedInstanceHours"))
                .map(x -> x.name() + "=" + x.value()).collect(Collectors.joining(" "))).toList();
        job.metrics.clear();
        return lines;
    }

    private static long duration(RunRecord run) {
        assertNotNull(run.endedAt());
        return Duration.between(run.launchedAt(), run.endedAt()).toSeconds();
    }

    private static ResponseDefinitionBuilder awsError(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
    }
}
