package dev.emringest.launcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import dev.emringest.local.MutableClock;
import dev.emringest.logs.LoggedLines;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;

/**
 * The account and the faulty network {@link LaunchFaultsIT}'s cases run in: moto seeded with the example account, and
 * the launcher's real SDK clients talking to it through WireMock, with helpers to throttle, fail, delay or drop the
 * answers of chosen calls, and to read what moto holds afterwards.
 */
abstract class ThroughWireMock {

    static final MotoServer MOTO = MotoServer.shared();
    static final Path EXAMPLES = Path.of("../../examples");
    static final String PASSWORD = "Kn0wn-Pa55word-7f3e";
    static final String RUN_JOB_FLOW = "ElasticMapReduce.RunJobFlow";
    static final String GET_PARAMETERS = "AmazonSSM.GetParameters";
    static final String JSON_11 = "application/x-amz-json-1.1";
    static final String JOB = "orders";

    static WireMockServer wireMock;

    AwsClients direct;
    EmrClient motoEmr;
    Ledger ledger;
    MutableClock clock;
    LaunchService service;
    LoggedContext context;

    @BeforeAll
    static void startWireMock() {
        wireMock = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1").containerThreads(40));
        wireMock.start();
    }

    @AfterAll
    static void stopWireMock() {
        if (wireMock != null) {
            wireMock.stop();
        }
    }

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        wireMock.resetAll();
        wireMock.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));

        direct = MOTO.clients();
        ExampleAccount.seed(direct, EXAMPLES, PASSWORD);
        motoEmr = direct.emr();
        ledger = new Ledger(direct.s3(), ExampleAccount.LEDGER_BUCKET);
        clock = new MutableClock(Instant.now());
        service = launcherThroughWireMock(Duration.ofSeconds(20), Duration.ofSeconds(10));
        context = new LoggedContext("launcher");
    }

    LaunchService launcherThroughWireMock(Duration apiCallTimeout, Duration attemptTimeout) {
        AwsClients aws = AwsClients.forEndpoint(URI.create(wireMock.baseUrl()), MotoServer.REGION, MOTO.credentials(),
                apiCallTimeout, attemptTimeout);
        return LauncherInit.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()), clock);
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static MappingBuilder call(String target) {
        return post(anyUrl()).atPriority(1).withHeader("X-Amz-Target", equalTo(target));
    }

    static ResponseDefinitionBuilder awsError(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", JSON_11)
                .withHeader("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
                .withBody("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}");
    }

    static ResponseDefinitionBuilder throttled() {
        return awsError(400, "ThrottlingException", "Rate exceeded");
    }

    /** {@code target} answers {@code response} the first {@code times} times, then goes through to moto. */
    static void failTimes(String target, int times, ResponseDefinitionBuilder response) {
        for (int i = 0; i < times; i++) {
            wireMock.stubFor(call(target).inScenario("fail " + target)
                    .whenScenarioStateIs(i == 0 ? Scenario.STARTED : "failed " + i)
                    .willSetStateTo("failed " + (i + 1))
                    .willReturn(response));
        }
    }

    /** {@code target} answers {@code response} until the returned stub is removed. */
    static StubMapping failAlways(String target, ResponseDefinitionBuilder response) {
        return wireMock.stubFor(call(target).willReturn(response));
    }

    static int seen(String target) {
        return wireMock.countRequestsMatching(postRequestedFor(anyUrl()).withHeader("X-Amz-Target", equalTo(target))
                .build()).getCount();
    }

    static SQSEvent message(String messageId, String runKey) {
        return SqsEvents.of(messageId, "{\"job\":\"" + JOB + "\",\"runKey\":\"" + runKey + "\"}");
    }

    SQSBatchResponse deliver(SQSEvent event) {
        return SqsEvents.deliver(new SqsHandler(service, ExampleAccount.STACK), event, context);
    }

    static List<String> failedIds(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .toList();
    }

    List<ClusterSummary> clusters() {
        return motoEmr.listClustersPaginator(r -> { }).clusters().stream().toList();
    }

    RunRecord record(String runKey) {
        return ledger.read(JOB, runKey).orElseThrow(() -> new AssertionError("no ledger record for " + runKey)).value();
    }

    Optional<RunRecord> maybeRecord(String runKey) {
        return ledger.read(JOB, runKey).map(v -> v.value());
    }

    /** The last log line's message. */
    String lastLine() {
        List<String> lines = LoggedLines.messages(context.lines());
        assertTrue(!lines.isEmpty(), "the handler logged nothing");
        return lines.get(lines.size() - 1);
    }

    void assertSucceeded(SQSBatchResponse response, String expectedOutcome) {
        assertEquals(List.of(), failedIds(response), "message should succeed; log: " + context.lines());
        assertTrue(lastLine().startsWith("launch " + expectedOutcome + " "), lastLine());
    }

    void assertFailed(SQSBatchResponse response, String messageId) {
        assertEquals(List.of(messageId), failedIds(response), "message should be reported failed; log: "
                + context.lines());
    }

    void afterTheGrace() {
        clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(30));
    }
}
