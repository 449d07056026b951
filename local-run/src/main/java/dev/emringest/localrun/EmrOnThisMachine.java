package dev.emringest.localrun;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.ClusterSpec;
import dev.emringest.cluster.LocalCluster;
import dev.emringest.cluster.StepRun;
import dev.emringest.local.EmrDocuments;
import dev.emringest.local.EmrEvents;
import dev.emringest.local.EmrStub;
import dev.emringest.local.MotoServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.StepSummary;

/**
 * EMR's part in a local run: the cluster the launcher asked for (as moto's EMR holds it) runs on this machine through
 * {@link LocalCluster}, and the recorder learns of it as it would on AWS. Around every step it gets the "EMR Step
 * Status Change" events, at the end the "EMR Cluster State Change" event, in EMR's shapes, and EMR's API answers it
 * what happened: a WireMock server in front of moto answers DescribeCluster, ListSteps and DescribeStep with the
 * steps' real states (moto's EMR never runs steps), and passes every other call on to moto.
 */
final class EmrOnThisMachine implements AutoCloseable {

    private static final java.util.regex.Pattern ROWS = java.util.regex.Pattern.compile(
            "Retrieved ([0-9]+) records|IngestJob: table [^ ]+: ([0-9]+) rows written");

    private final WireMockServer server;
    private final EmrStub stub;

    EmrOnThisMachine(MotoServer moto) {
        server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        server.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(moto.endpoint().toString())));
        stub = new EmrStub(server);
    }

    /** Where the recorder's AWS clients point: EMR as this machine ran it, everything else moto. */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /**
     * Runs the cluster and tells {@code recorder} each change as EMR would.
     *
     * @param sendToRecorder hands an event to the recorder function
     * @param progress one line per step started and ended
     */
    ClusterRun run(EmrClient emr, String clusterId, LocalCluster cluster,
                   Consumer<Map<String, Object>> sendToRecorder, Consumer<String> progress) {
        Cluster described = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        List<StepSummary> summaries = new ArrayList<>(emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps()
                .stream().toList());
        Collections.reverse(summaries); // EMR lists the newest first
        List<Map<String, Object>> tags = described.tags().stream()
                .map(t -> Map.<String, Object>of("Key", t.key(), "Value", t.value())).toList();
        String name = described.name();
        List<Map<String, Object>> states = new ArrayList<>();
        for (StepSummary s : summaries) {
            states.add(EmrDocuments.step(s.id(), s.name(), "PENDING"));
        }
        describe(clusterId, name, "RUNNING", null, null, tags, described.releaseLabel(), states);
        sendToRecorder.accept(EmrEvents.clusterStateChange(clusterId, name, "RUNNING", EmrEvents.NO_REASON));

        ClusterSpec spec = ClusterSpec.of(emr, clusterId);
        int[] index = {0};
        ClusterRun run = cluster.run(spec, new LocalCluster.Listener() {
            @Override
            public void stepStarted(ClusterSpec.Step step) {
                StepSummary s = summaries.get(index[0]);
                progress.accept("-> step " + (index[0] + 1) + "/" + summaries.size() + " " + step.name()
                        + " running");
                states.set(index[0], EmrDocuments.step(s.id(), s.name(), "RUNNING"));
                describe(clusterId, name, "RUNNING", null, null, tags, described.releaseLabel(), states);
                sendToRecorder.accept(EmrEvents.stepStatusChange(clusterId, s.id(), s.name(), "RUNNING"));
            }

            @Override
            public void stepEnded(StepRun ran) {
                StepSummary s = summaries.get(index[0]++);
                Map<String, Object> doc = "FAILED".equals(ran.state())
                        ? EmrDocuments.failedStep(s.id(), s.name(), "Step failed with exit code " + ran.exitCode(),
                        cause(ran.output()), ran.log().toUri().toString())
                        : EmrDocuments.step(s.id(), s.name(), ran.state());
                states.set(index[0] - 1, doc);
                stub.describeStep(clusterId, doc);
                describe(clusterId, name, "RUNNING", null, null, tags, described.releaseLabel(), states);
                if ("CANCELLED".equals(ran.state())) {
                    progress.accept("<- " + ran.name() + " CANCELLED: an earlier step failed");
                } else {
                    progress.accept("<- " + ran.name() + " " + ran.state() + " in "
                            + java.time.Duration.between(ran.started(), ran.ended()).toSeconds() + " s" + rows(ran.output())
                            + ("FAILED".equals(ran.state()) ? ", exit code " + ran.exitCode() + ", log " + ran.log() : ""));
                }
                sendToRecorder.accept(EmrEvents.stepStatusChange(clusterId, s.id(), s.name(), ran.state()));
            }
        });
        boolean completed = run.allCompleted();
        boolean bootstrapFailed = !run.bootstrap().completed();
        String state = completed ? "TERMINATED" : "TERMINATED_WITH_ERRORS";
        String code = completed ? "ALL_STEPS_COMPLETED" : bootstrapFailed ? "BOOTSTRAP_FAILURE" : "STEP_FAILURE";
        String message = completed ? "Steps completed" : bootstrapFailed
                ? "On the master instance, bootstrap action 1 returned a non-zero return code"
                : "Shut down as step failed";
        describe(clusterId, name, state, code, message, tags, described.releaseLabel(), states);
        sendToRecorder.accept(EmrEvents.clusterStateChange(clusterId, name, state, EmrEvents.reason(code, message)));
        return run;
    }

    /** The step's first error line, as EMR's FailureDetails.Message gives the cause when it can. */
    private static String cause(String output) {
        for (String line : output.split("\n")) {
            if (line.contains("ERROR") || line.contains("Exception") || line.contains("denied")) {
                String text = line.strip();
                return text.length() > 300 ? text.substring(0, 299) + "…" : text;
            }
        }
        return null;
    }

    /** The rows the step reported (Sqoop's "Retrieved N records", the Spark job's "N rows written" per table). */
    private static String rows(String output) {
        java.util.regex.Matcher m = ROWS.matcher(output);
        long rows = -1;
        while (m.find()) {
            // A Sqoop step imports one table; the Spark step writes every table of the run.
            rows = Math.max(rows, 0) + Long.parseLong(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return rows < 0 ? "" : ", " + rows + " rows";
    }

    private void describe(String clusterId, String name, String state, String code, String message,
                          List<Map<String, Object>> tags, String release, List<Map<String, Object>> steps) {
        Map<String, Object> cluster = EmrDocuments.cluster(clusterId, name, state, code, message, tags);
        cluster.put("ReleaseLabel", release);
        cluster.remove("NormalizedInstanceHours"); // no instance ran: none to report
        stub.describeCluster(cluster);
        List<Map<String, Object>> newestFirst = new ArrayList<>(steps);
        Collections.reverse(newestFirst);
        @SuppressWarnings("unchecked")
        Map<String, Object>[] array = newestFirst.toArray(Map[]::new);
        stub.listSteps(clusterId, array);
    }

    /** The bodies of the requests that passed here matching {@code pattern}, e.g. the recorder's PutEvents. */
    List<String> received(com.github.tomakehurst.wiremock.matching.RequestPatternBuilder pattern) {
        return server.findAll(pattern).stream()
                .map(com.github.tomakehurst.wiremock.verification.LoggedRequest::getBodyAsString).toList();
    }

    @Override
    public void close() {
        server.stop();
    }
}
