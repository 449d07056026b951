package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import dev.emringest.logs.LoggedLines;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One run requested many times at once (SQS delivers at least once, and a burst of duplicates is possible): straight
 * against moto, the claim must let exactly one invocation start the cluster.
 */
class ConcurrentLaunchIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final String JOB = "orders";
    private static final int INVOCATIONS = 10;

    private AwsClients aws;
    private EmrClient emr;
    private Ledger ledger;
    private LaunchService service;

    /** What one invocation answered and logged. */
    private record Invocation(String messageId, SQSBatchResponse response, List<String> log) {
        boolean failed() {
            return response.getBatchItemFailures().stream().anyMatch(f -> f.getItemIdentifier().equals(messageId));
        }

        String line() {
            return log.isEmpty() ? "(nothing logged)" : log.get(log.size() - 1);
        }
    }

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        aws = MOTO.clients();
        ExampleAccount.seed(aws, Path.of("../../examples"), "Kn0wn-Pa55word-7f3e");
        emr = aws.emr();
        ledger = new Ledger(aws.s3(), ExampleAccount.LEDGER_BUCKET);
        service = LauncherInit.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                Clock.systemUTC());
    }

    private static SQSEvent message(String messageId, String runKey) {
        return SqsEvents.of(messageId, "{\"job\":\"" + JOB + "\",\"runKey\":\"" + runKey + "\"}");
    }

    private Invocation invoke(String messageId, String runKey) {
        LoggedContext context = new LoggedContext("launcher");
        SQSBatchResponse response = SqsEvents.deliver(new SqsHandler(service, ExampleAccount.STACK), message(messageId, runKey), context);
        return new Invocation(messageId, response, LoggedLines.messages(context.lines()));
    }

    private List<ClusterSummary> clustersOf(String runKey) {
        String name = RunIdentity.of(ExampleAccount.STACK, JOB, runKey).clusterName();
        return emr.listClustersPaginator(r -> { }).clusters().stream().filter(c -> name.equals(c.name())).toList();
    }

    private int allClusters() {
        return emr.listClustersPaginator(r -> { }).clusters().stream().toList().size();
    }

    private List<String> records() {
        return aws.s3().listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET).prefix("runs/")).contents()
                .stream().map(S3Object::key).toList();
    }

    @Test
    void manyConcurrentDeliveriesOfOneRunStartOneCluster() throws Exception {
        List<String> runKeys = List.of("burst-1", "burst-2", "burst-3", "burst-4", "burst-5");
        ExecutorService threads = Executors.newFixedThreadPool(INVOCATIONS);
        int overlapping = 0;
        try {
            for (int round = 0; round < runKeys.size(); round++) {
                String runKey = runKeys.get(round);
                CountDownLatch ready = new CountDownLatch(INVOCATIONS);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Invocation>> futures = new ArrayList<>();
                for (int i = 0; i < INVOCATIONS; i++) {
                    String messageId = runKey + "-msg-" + i;
                    futures.add(threads.submit(() -> {
                        ready.countDown();
                        go.await();
                        return invoke(messageId, runKey);
                    }));
                }
                assertTrue(ready.await(10, TimeUnit.SECONDS));
                go.countDown();
                List<Invocation> invocations = new ArrayList<>();
                for (Future<Invocation> future : futures) {
                    invocations.add(future.get(60, TimeUnit.SECONDS));
                }

                List<ClusterSummary> clusters = clustersOf(runKey);
                assertEquals(1, clusters.size(), runKey + ": " + clusters + "\n" + lines(invocations));
                assertEquals(round + 1, allClusters(), "one cluster per run so far");

                long launched = invocations.stream().filter(i -> i.line().startsWith("launch LAUNCHED ")).count();
                assertEquals(1, launched, runKey + ": exactly one invocation starts the cluster\n" + lines(invocations));
                List<Invocation> deferred = new ArrayList<>();
                for (Invocation invocation : invocations) {
                    if (invocation.failed()) {
                        assertTrue(invocation.line().startsWith("launch deferred "),
                                runKey + ": a failed invocation must be a deferral: " + invocation.line());
                        deferred.add(invocation);
                    } else {
                        assertTrue(invocation.line().startsWith("launch LAUNCHED ")
                                        || invocation.line().startsWith("launch ALREADY_LAUNCHED "),
                                runKey + ": " + invocation.line());
                        assertTrue(invocation.line().contains("clusterId=" + clusters.get(0).id()), invocation.line());
                    }
                }

                overlapping += deferred.size();

                // SQS redelivers the deferred messages after their visibility timeout: the run is launched by then.
                for (Invocation failed : deferred) {
                    Invocation again = invoke(failed.messageId(), runKey);
                    assertTrue(!again.failed(), again.line());
                    assertTrue(again.line().startsWith("launch ALREADY_LAUNCHED "), again.line());
                    assertTrue(again.line().contains("clusterId=" + clusters.get(0).id()), again.line());
                }
                assertEquals(1, clustersOf(runKey).size());
                assertEquals(round + 1, allClusters());

                RunRecord record = ledger.read(JOB, runKey).orElseThrow().value();
                assertEquals(RunState.LAUNCHED, record.state());
                assertEquals(clusters.get(0).id(), record.clusterId());
                List<String> records = records();
                assertEquals(round + 1, records.size(), records.toString());
                assertEquals(1, records.stream().filter(k -> k.equals(Ledger.recordKey(JOB, runKey))).count());
            }
        } finally {
            threads.shutdownNow();
        }
        assertTrue(overlapping > 0, "no invocation ever met another's fresh claim: the test did not race at all");
    }

    private static String lines(List<Invocation> invocations) {
        StringBuilder text = new StringBuilder();
        for (Invocation invocation : invocations) {
            text.append(invocation.messageId()).append(": ").append(invocation.log()).append('\n');
        }
        return text.toString();
    }
}
