package dev.emringest.launcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ClusterSummary;

/**
 * The launcher's real SDK clients talking to moto through WireMock, which throttles, fails, delays or drops the
 * answers of chosen calls. What counts is what moto holds afterwards (clusters, the ledger) and how many RunJobFlow
 * calls actually went out.
 */
class LaunchFaultsIT extends ThroughWireMock {

    // ---- 1. throttling ---------------------------------------------------------------------------------------------

    @Test
    void runJobFlowThrottledTwiceIsRetriedAndStartsOneCluster() {
        failTimes(RUN_JOB_FLOW, 2, throttled());

        SQSBatchResponse response = deliver(message("m-1", "throttled-twice"));

        assertSucceeded(response, "LAUNCHED");
        assertEquals(3, seen(RUN_JOB_FLOW), "two throttled attempts and the one that went through");
        List<ClusterSummary> clusters = clusters();
        assertEquals(1, clusters.size(), clusters.toString());
        RunRecord record = record("throttled-twice");
        assertEquals(RunState.LAUNCHED, record.state());
        assertEquals(clusters.get(0).id(), record.clusterId());
    }

    // ---- 2. throttled for good, then redelivered --------------------------------------------------------------------

    @Test
    void runJobFlowThrottledForGoodLeavesTheClaimAndALaterRedeliveryLaunchesOnce() {
        StubMapping fault = failAlways(RUN_JOB_FLOW, throttled());
        SQSEvent event = message("m-2", "always-throttled");

        assertFailed(deliver(event), "m-2");
        int throttledAttempts = seen(RUN_JOB_FLOW);
        assertTrue(throttledAttempts > 1, "throttling is retried by the SDK, saw " + throttledAttempts);
        assertTrue(clusters().isEmpty());
        RunRecord claimed = record("always-throttled");
        assertEquals(RunState.CLAIMED, claimed.state(), "throttling started nothing, the run is still to launch");
        assertNull(claimed.clusterId());
        assertTrue(lastLine().contains("ThrottlingException") || lastLine().contains("Rate exceeded"), lastLine());

        // Redelivered at once (within the grace): another attempt may still be launching, so nothing is called.
        wireMock.removeStub(fault);
        assertFailed(deliver(event), "m-2");
        assertTrue(lastLine().startsWith("launch deferred "), lastLine());
        assertEquals(throttledAttempts, seen(RUN_JOB_FLOW), "a deferred attempt must not call RunJobFlow");
        assertTrue(clusters().isEmpty());

        afterTheGrace();
        assertSucceeded(deliver(event), "LAUNCHED");
        List<ClusterSummary> clusters = clusters();
        assertEquals(1, clusters.size());
        RunRecord launched = record("always-throttled");
        assertEquals(RunState.LAUNCHED, launched.state());
        assertEquals(clusters.get(0).id(), launched.clusterId());
        assertEquals(throttledAttempts + 1, seen(RUN_JOB_FLOW));

        assertSucceeded(deliver(event), "ALREADY_LAUNCHED");
        assertEquals(1, clusters().size());
        assertEquals(throttledAttempts + 1, seen(RUN_JOB_FLOW));
        assertEquals(clusters.get(0).id(), record("always-throttled").clusterId());
    }

    // ---- 3. 5xx ------------------------------------------------------------------------------------------------------

    @Test
    void runJobFlow500IsNotRetriedAndALaterRedeliveryLaunchesOnce() {
        failTimes(RUN_JOB_FLOW, 1, awsError(500, "InternalServerError", "An internal error occurred"));
        SQSEvent event = message("m-3", "server-error");

        SQSBatchResponse first = deliver(event);
        assertEquals(1, seen(RUN_JOB_FLOW), "a 5xx may have started the cluster: RunJobFlow must not be repeated "
                + "(a repeat that succeeds would be a second cluster). Log: " + context.lines());
        assertFailed(first, "m-3");
        assertTrue(clusters().isEmpty());
        RunRecord claimed = record("server-error");
        assertEquals(RunState.CLAIMED, claimed.state(), "outcome unknown: the claim stays for the next attempt");
        assertNull(claimed.clusterId());

        afterTheGrace();
        assertSucceeded(deliver(event), "LAUNCHED");
        assertEquals(2, seen(RUN_JOB_FLOW));
        List<ClusterSummary> clusters = clusters();
        assertEquals(1, clusters.size());
        RunRecord launched = record("server-error");
        assertEquals(RunState.LAUNCHED, launched.state());
        assertEquals(clusters.get(0).id(), launched.clusterId());
    }

    @Test
    void getParameters503IsRetriedWithinTheSameInvocation() {
        failTimes(GET_PARAMETERS, 2, awsError(503, "InternalServerError", "Service Unavailable"));

        assertSucceeded(deliver(message("m-3b", "ssm-unavailable")), "LAUNCHED");
        assertEquals(3, seen(GET_PARAMETERS), "two 503s and the call that went through");
        assertEquals(1, seen(RUN_JOB_FLOW));
        assertEquals(1, clusters().size());
        assertEquals(RunState.LAUNCHED, record("ssm-unavailable").state());
    }

    // ---- 4. applied, answer lost -------------------------------------------------------------------------------------

    @Test
    void aLostRunJobFlowAnswerIsAdoptedNotLaunchedAgain() throws Exception {
        StubMapping fault = failAlways(RUN_JOB_FLOW, aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        SQSEvent event = message("m-4", "answer-lost");

        assertFailed(deliver(event), "m-4");
        List<LoggedRequest> sent = wireMock.findAll(postRequestedFor(anyUrl())
                .withHeader("X-Amz-Target", equalTo(RUN_JOB_FLOW)));
        assertEquals(1, sent.size(), "RunJobFlow went out " + sent.size() + " times in one invocation after its "
                + "connection was reset; each of those could have started a cluster. Log: " + context.lines());
        assertTrue(clusters().isEmpty());
        assertEquals(RunState.CLAIMED, record("answer-lost").state());

        // EMR did apply it: replay the exact request to moto, as if only the answer had been lost.
        String clusterId = replayToMoto(sent.get(0));
        wireMock.removeStub(fault);
        assertEquals(1, clusters().size());

        afterTheGrace();
        assertSucceeded(deliver(event), "ADOPTED");
        assertTrue(lastLine().contains("launch ADOPTED"), lastLine());
        assertTrue(lastLine().contains("clusterId=" + clusterId), lastLine());
        assertEquals(1, seen(RUN_JOB_FLOW), "the cluster is adopted, RunJobFlow is not called again");
        List<ClusterSummary> clusters = clusters();
        assertEquals(1, clusters.size());
        assertEquals(clusterId, clusters.get(0).id());
        RunRecord adopted = record("answer-lost");
        assertEquals(RunState.LAUNCHED, adopted.state());
        assertEquals(clusterId, adopted.clusterId());
    }

    /** Sends the request WireMock received to moto as it was; moto does not check signatures. */
    private static String replayToMoto(LoggedRequest request) throws IOException, InterruptedException {
        HttpRequest.Builder replay = HttpRequest.newBuilder(MOTO.endpoint().resolve(request.getUrl()))
                .timeout(Duration.ofSeconds(30))
                .header("X-Amz-Target", request.getHeader("X-Amz-Target"))
                .header("Content-Type", request.getHeader("Content-Type"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.getBody()));
        // moto picks the service from the signature's credential scope; it does not verify the signature itself
        for (String name : List.of("Authorization", "X-Amz-Date")) {
            if (request.containsHeader(name)) {
                replay.header(name, request.getHeader(name));
            }
        }
        HttpResponse<String> answer = HttpClient.newHttpClient().send(replay.build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        Matcher id = Pattern.compile("\"JobFlowId\"\\s*:\\s*\"([^\"]+)\"").matcher(answer.body());
        assertTrue(id.find(), answer.body());
        return id.group(1);
    }

    // ---- 5. slow SSM ------------------------------------------------------------------------------------------------

    @Test
    void aSlowCallTimesOutSoTheHandlerCanStillAnswer() {
        Duration delay = Duration.ofSeconds(5);
        service = launcherThroughWireMock(Duration.ofSeconds(2), Duration.ofSeconds(1));
        wireMock.stubFor(call(GET_PARAMETERS).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())
                .withFixedDelay((int) delay.toMillis())));

        long started = System.nanoTime();
        SQSBatchResponse response = deliver(message("m-5", "slow-ssm"));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        assertFailed(response, "m-5");
        assertTrue(elapsed.compareTo(Duration.ofSeconds(10)) < 0, "the handler answered after " + elapsed);
        assertTrue(elapsed.compareTo(delay) < 0, "answered after " + elapsed + ", not before SSM did");
        String line = lastLine();
        assertTrue(line.contains("ApiCallTimeoutException") || line.contains("ApiCallAttemptTimeoutException"), line);
        assertTrue(seen(GET_PARAMETERS) >= 1);
        assertEquals(0, seen(RUN_JOB_FLOW));
        assertTrue(clusters().isEmpty());
        assertTrue(maybeRecord("slow-ssm").isEmpty(), "nothing is claimed before the definition is read");
    }

    @Test
    void theDefaultCallTimeoutLeavesTheHandlerTimeToAnswer() {
        Duration functionTimeout = Duration.ofSeconds(60);
        Duration margin = Duration.ofSeconds(10);
        assertTrue(AwsClients.DEFAULT_API_CALL_TIMEOUT.compareTo(functionTimeout.minus(margin)) < 0,
                "DEFAULT_API_CALL_TIMEOUT " + AwsClients.DEFAULT_API_CALL_TIMEOUT);
        assertTrue(AwsClients.DEFAULT_ATTEMPT_TIMEOUT.compareTo(AwsClients.DEFAULT_API_CALL_TIMEOUT) < 0,
                "an attempt must time out before the whole call does, so a retry can still happen");
    }

    // ---- 6. EMR rejects the request -------------------------------------------------------------------------------

    @Test
    void aRejectedRequestFailsTheRunWithEmrsReason() {
        String reason = "Instance type m5.xlarge is not supported";
        failAlways(RUN_JOB_FLOW, awsError(400, "ValidationException", reason));

        assertFailed(deliver(message("m-6", "rejected")), "m-6");
        assertEquals(1, seen(RUN_JOB_FLOW), "a rejected request is not retried");
        assertTrue(clusters().isEmpty());
        RunRecord failed = record("rejected");
        assertEquals(RunState.LAUNCH_FAILED, failed.state());
        assertNotNull(failed.failure());
        assertEquals("ValidationException", failed.failure().code());
        assertEquals(reason, failed.failure().message());
        assertNull(failed.clusterId());
        assertTrue(ledger.openRuns().stream().anyMatch(r -> r.runKey().equals("rejected")),
                "a run that failed for good is open until the reconcile announces it: " + ledger.openRuns());
    }
}
