package dev.emringest.launcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.emringest.launcher.BurstInspection.*;
import static dev.emringest.launcher.BurstQueue.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import dev.emringest.local.MutableClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A burst of launch requests through a faulty network: 200 SQS messages (160 runs, 40 duplicate deliveries of them
 * under new message ids) go through the real {@link SqsHandler} and {@link LaunchService}, whose real SDK clients talk
 * to WireMock, which proxies to moto server and injects throttling, 5xx, connection resets and, for RunJobFlow only,
 * "applied but the answer was lost" (moto starts the cluster, the client sees a reset).
 *
 * <p>SQS is simulated in rounds: every message still in flight is delivered (batch size 1, 4 in parallel so that
 * duplicates race); a failed message comes back next round with its receive count + 1 and goes to the DLQ after 5
 * receives. Between rounds the test clock moves on by the queue's visibility timeout (6 min), beyond
 * {@link LaunchService#CLAIM_GRACE}, so a retry may take over a stale claim.
 *
 * <p>A few runs get a scripted EMR on top ({@link BurstFaults.Script}): RunJobFlow always 500, always rejected (400), or
 * rejected once and then accepted, so the DLQ and LAUNCH_FAILED paths are exercised in every burst.
 *
 * <p>At the end, with faults off: no run has two clusters, every cluster belongs to exactly one run and is in its
 * ledger record, every RunJobFlow that reached EMR made the run's only cluster, every message succeeded or is in the
 * DLQ, every run has exactly one record, a run whose messages all went to the DLQ has no cluster or is CLAIMED /
 * LAUNCH_FAILED, and every run that is not final is in the ledger's open-run index (which the reconcile reads).
 *
 * <p>The seed (messages, their order and the fault sequence) is {@link #DEFAULT_SEED} so a build is repeatable;
 * {@code -Dburst.seed=<n>} picks another, e.g. {@code -Dit.test=LaunchBurstIT -Dburst.seed=$RANDOM} to explore. With
 * 4 threads the interleaving still varies; {@code -Dburst.threads=1} makes a replay closer.
 */
class LaunchBurstIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final Path REPO = Path.of("../..");
    private static final String PASSWORD = "Burst-Pa55word-41c9";
    static final long DEFAULT_SEED = 20261125L;

    private WireMockServer wiremock;
    private BurstFaults faults;

    @AfterEach
    void stopWireMock() {
        if (wiremock != null) {
            wiremock.stop();
        }
    }

    @Test
    void aBurstThroughAFaultyNetworkStartsOneClusterPerRunAndLosesNoMessage() throws Exception {
        long seed = Long.getLong("burst.seed", DEFAULT_SEED);
        System.out.println("LaunchBurstIT seed=" + seed + " threads=" + THREADS + "  (replay: -Dburst.seed=" + seed
                + ")");
        Random random = new Random(seed);
        long started = System.nanoTime();

        MOTO.reset();
        AwsClients direct = MOTO.clients();
        ExampleAccount.seed(direct, REPO.resolve("examples"), PASSWORD);

        faults = new BurstFaults(new Random(seed ^ 0x5DEECE66DL), MOTO.endpoint());
        wiremock = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(40)
                .gzipDisabled(true).notifier(new ConsoleNotifier(false)).extensions(faults));
        wiremock.start();
        wiremock.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));

        // The test clock stays behind moto's (wall) clock: RunClusters looks for clusters created after
        // claim - 5 min by EMR's clock, and a test clock running ahead of moto's would hide clusters that exist.
        MutableClock clock = new MutableClock(Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS));
        AwsClients faulty = AwsClients.forEndpoint(URI.create(wiremock.baseUrl()), MotoServer.REGION,
                MOTO.credentials(), Duration.ofSeconds(3), Duration.ofSeconds(1));
        LauncherSettings settings = LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment());
        LaunchService service = LauncherInit.create(faulty, settings, clock);

        List<Message> messages = messages(random);
        script(random, faults);
        int rounds = deliverUntilSettled(service, messages, clock, random);
        faults.on = false;

        Inspection seen = inspect(direct, messages, faults);
        long runJobFlowInJournal = wiremock.countRequestsMatching(postRequestedFor(anyUrl())
                .withHeader("X-Amz-Target", equalTo(BurstFaults.RUN_JOB_FLOW)).build()).getCount();
        print(seed, rounds, messages, seen, faults, runJobFlowInJournal,
                Duration.ofNanos(System.nanoTime() - started));

        List<String> problems = new ArrayList<>(seen.problems());
        for (BurstFaults.Kind kind : BurstFaults.Kind.values()) {
            if (faults.injected.get(kind).get() == 0) {
                problems.add("fault " + kind + " never fired: the burst proves nothing about it");
            }
        }
        for (BurstFaults.Script script : BurstFaults.Script.values()) {
            if (faults.scriptedFaults.get(script).get() == 0) {
                problems.add("scripted fault " + script + " never fired");
            }
        }
        if (runJobFlowInJournal != faults.runJobFlowSeen.get()) {
            problems.add("WireMock's journal holds " + runJobFlowInJournal + " RunJobFlow calls, the fault injector saw "
                    + faults.runJobFlowSeen.get());
        }
        assertTrue(problems.isEmpty(), "seed " + seed + ":\n  " + String.join("\n  ", problems));
    }

    /**
     * Besides the random faults, a few runs get a scripted EMR: for two runs every RunJobFlow answers 500 (their
     * messages end in the DLQ, the run CLAIMED without a cluster), for two EMR rejects every RunJobFlow with a 400
     * ValidationException (DLQ, LAUNCH_FAILED), and for two it rejects only the first one (LAUNCH_FAILED, then the next
     * delivery takes the run over and launches it).
     */
    private static void script(Random random, BurstFaults faults) {
        List<Integer> runs = new ArrayList<>();
        for (int i = 0; i < UNIQUE_RUNS; i++) {
            runs.add(i);
        }
        Collections.shuffle(runs, random);
        BurstFaults.Script[] scripts = BurstFaults.Script.values();
        for (int i = 0; i < 2 * scripts.length; i++) {
            String runKey = String.format(Locale.ROOT, "burst-%03d", runs.get(i));
            faults.scripted.put(RunIdentity.of(ExampleAccount.STACK, JOB, runKey).clusterName(),
                    scripts[i % scripts.length]);
        }
    }
}
