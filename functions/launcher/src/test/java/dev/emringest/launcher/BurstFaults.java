package dev.emringest.launcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link LaunchBurstIT}'s network: decides, per request, whether WireMock proxies it to moto or answers with a fault.
 * The decisions come from one seeded {@link Random}. Conditional S3 writes go to moto through
 * {@link MotoForwarder}'s lock; without it the test could see a duplicate claim that real S3 never allows.
 */
final class BurstFaults implements ResponseDefinitionTransformerV2 {

    static final String RUN_JOB_FLOW = "ElasticMapReduce.RunJobFlow";
    private static final double FAULT_RATE = 0.12;
    /** RunJobFlow is the call that can duplicate a cluster: it gets a larger share of the faults. */
    private static final double RUN_JOB_FLOW_FAULT_RATE = 0.25;

    enum Kind {
        THROTTLING("throttling"),
        INTERNAL_ERROR("500"),
        UNAVAILABLE("503"),
        RESET("reset before moto"),
        APPLIED_ANSWER_LOST("RunJobFlow applied, answer lost");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private static final Pattern JOB_FLOW_ID = Pattern.compile("\"JobFlowId\"\\s*:\\s*\"([^\"]+)\"");

    private final Random random;
    private final MotoForwarder moto;
    volatile boolean on = true;
    final Map<Kind, AtomicInteger> injected = new EnumMap<>(Kind.class);
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger runJobFlowSeen = new AtomicInteger();
    final AtomicInteger runJobFlowReached = new AtomicInteger();
    /** Every RunJobFlow call as WireMock saw it: cluster name, what was done with it, moto's cluster id. */
    final List<RunJobFlowCall> runJobFlowCalls = Collections.synchronizedList(new ArrayList<>());
    private final long startedNanos = System.nanoTime();

    record RunJobFlowCall(long atMillis, String thread, String clusterName, String fault, String clusterId) {
        @Override
        public String toString() {
            return "RunJobFlow at +" + atMillis + " ms on " + thread + ": "
                    + (fault == null ? "proxied" : fault) + (clusterId == null ? "" : " -> " + clusterId);
        }
    }

    /** What a scripted run's RunJobFlow calls get. */
    enum Script {
        ALWAYS_500("RunJobFlow always 500"),
        ALWAYS_REJECTED("RunJobFlow always 400 ValidationException"),
        REJECTED_ONCE("first RunJobFlow 400 ValidationException");

        final String label;

        Script(String label) {
            this.label = label;
        }
    }

    /** Cluster name -> script, for the few runs whose EMR answers are scripted. */
    final Map<String, Script> scripted = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> scriptedCalls = new ConcurrentHashMap<>();
    final Map<Script, AtomicInteger> scriptedFaults = new EnumMap<>(Script.class);

    BurstFaults(Random random, URI moto) {
        this.random = random;
        this.moto = new MotoForwarder(moto);
        for (Kind kind : Kind.values()) {
            injected.put(kind, new AtomicInteger());
        }
        for (Script script : Script.values()) {
            scriptedFaults.put(script, new AtomicInteger());
        }
    }

    @Override
    public String getName() {
        return "burst-faults";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request request = event.getRequest();
        requests.incrementAndGet();
        String target = request.getHeader("X-Amz-Target");
        boolean json = target != null;
        boolean runJobFlow = RUN_JOB_FLOW.equals(target);
        if (runJobFlow) {
            runJobFlowSeen.incrementAndGet();
        }
        if (runJobFlow && on) {
            String name = clusterName(request);
            Script script = scripted.get(name);
            if (script != null && (script != Script.REJECTED_ONCE
                    || scriptedCalls.computeIfAbsent(name, n -> new AtomicInteger()).getAndIncrement() == 0)) {
                scriptedFaults.get(script).incrementAndGet();
                runJobFlowCalls.add(new RunJobFlowCall((System.nanoTime() - startedNanos) / 1_000_000,
                        Thread.currentThread().getName(), name, "scripted " + script.label, null));
                return script == Script.ALWAYS_500
                        ? jsonError(500, "InternalServerError", "We encountered an internal error.")
                        : jsonError(400, "ValidationException", "Scripted rejection of " + name);
            }
        }
        Kind kind = pick(runJobFlow);
        if (kind != null) {
            injected.get(kind).incrementAndGet();
        }
        if (runJobFlow && (kind == null || kind == Kind.APPLIED_ANSWER_LOST)) {
            runJobFlowReached.incrementAndGet();
        }
        if (runJobFlow && kind != Kind.APPLIED_ANSWER_LOST) {
            runJobFlowCalls.add(new RunJobFlowCall((System.nanoTime() - startedNanos) / 1_000_000,
                    Thread.currentThread().getName(), clusterName(request), kind == null ? null : kind.label,
                    null));
        }
        if (kind == null) {
            return MotoForwarder.conditionalWrite(request) ? moto.forwardAtomically(request)
                    : event.getResponseDefinition();
        }
        return switch (kind) {
            case THROTTLING -> json
                    ? jsonError(400, "ThrottlingException", "Rate exceeded")
                    : s3Error(503, "SlowDown", "Please reduce your request rate.");
            case INTERNAL_ERROR -> json
                    ? jsonError(500, "InternalServerError", "We encountered an internal error. Please try again.")
                    : s3Error(500, "InternalError", "We encountered an internal error. Please try again.");
            case UNAVAILABLE -> json
                    ? jsonError(503, "ServiceUnavailable", "Service is unavailable. Please try again.")
                    : s3Error(503, "ServiceUnavailable", "Service is unavailable. Please try again.");
            case RESET -> reset();
            case APPLIED_ANSWER_LOST -> {
                HttpResponse<byte[]> answer = moto.forward(request);
                Matcher id = JOB_FLOW_ID.matcher(new String(answer.body(), StandardCharsets.UTF_8));
                runJobFlowCalls.add(new RunJobFlowCall((System.nanoTime() - startedNanos) / 1_000_000,
                        Thread.currentThread().getName(), clusterName(request),
                        kind.label + " (moto answered " + answer.statusCode() + ")",
                        id.find() ? id.group(1) : null));
                yield reset();
            }
        };
    }

    private static final Pattern NAME = Pattern.compile("\"Name\"\\s*:\\s*\"([^\"]+)\"");

    private static String clusterName(Request request) {
        Matcher name = NAME.matcher(request.getBodyAsString());
        return name.find() ? name.group(1) : null;
    }

    private Kind pick(boolean runJobFlow) {
        if (!on) {
            return null;
        }
        synchronized (random) {
            if (random.nextDouble() >= (runJobFlow ? RUN_JOB_FLOW_FAULT_RATE : FAULT_RATE)) {
                return null;
            }
            // RunJobFlow: half of its faults are "applied, answer lost", the dangerous case.
            int pick = random.nextInt(runJobFlow ? 8 : 4);
            return pick >= 4 ? Kind.APPLIED_ANSWER_LOST : Kind.values()[pick];
        }
    }

    private static ResponseDefinition reset() {
        return aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER).build();
    }

    private static ResponseDefinition jsonError(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .withBody("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}").build();
    }

    private static ResponseDefinition s3Error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                        + message + "</Message><RequestId>burst</RequestId></Error>").build();
    }
}
