package dev.emringest.launcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.common.ConsoleNotifier;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MutableClock;
import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

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
 * <p>A few runs get a scripted EMR on top ({@link Faults.Script}): RunJobFlow always 500, always rejected (400), or
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
    private static final String JOB = "orders";
    private static final String RUN_JOB_FLOW = "ElasticMapReduce.RunJobFlow";

    private static final int UNIQUE_RUNS = 160;
    private static final int DUPLICATES = 40;
    /** The template's redrive policy: a message received this often and still failing goes to the DLQ. */
    private static final int MAX_RECEIVES = 5;
    /** The launch queue's visibility timeout: how long a failed message stays invisible before its next receive. */
    private static final Duration VISIBILITY_TIMEOUT = Duration.ofMinutes(6);
    private static final double FAULT_RATE = 0.12;
    /** RunJobFlow is the call that can duplicate a cluster: it gets a larger share of the faults. */
    private static final double RUN_JOB_FLOW_FAULT_RATE = 0.25;
    private static final int THREADS = Integer.getInteger("burst.threads", 4);

    private WireMockServer wiremock;
    private Faults faults;

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

        faults = new Faults(new Random(seed ^ 0x5DEECE66DL), MOTO.endpoint());
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
                .withHeader("X-Amz-Target", equalTo(RUN_JOB_FLOW)).build()).getCount();
        print(seed, rounds, messages, seen, faults, runJobFlowInJournal,
                Duration.ofNanos(System.nanoTime() - started));

        List<String> problems = new ArrayList<>(seen.problems);
        for (Faults.Kind kind : Faults.Kind.values()) {
            if (faults.injected.get(kind).get() == 0) {
                problems.add("fault " + kind + " never fired: the burst proves nothing about it");
            }
        }
        for (Faults.Script script : Faults.Script.values()) {
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

    // ---------------------------------------------------------------------------------------------------------------
    // The queue

    /** One SQS message and what happened to it. */
    private static final class Message {
        enum State { IN_FLIGHT, SUCCEEDED, DLQ }

        final String id;
        final String runKey;
        final String body;
        int receives;
        volatile boolean lastFailed;
        State state = State.IN_FLIGHT;
        final List<String> history = Collections.synchronizedList(new ArrayList<>());

        Message(String id, String runKey) {
            this.id = id;
            this.runKey = runKey;
            this.body = "{\"job\": \"" + JOB + "\", \"runKey\": \"" + runKey + "\"}";
        }

        Message duplicate(String newId) {
            return new Message(newId, runKey);
        }
    }

    /** 160 runs, plus 40 duplicates (same body, new message id) of randomly chosen runs, shuffled. */
    private static List<Message> messages(Random random) {
        List<Message> originals = new ArrayList<>();
        for (int i = 0; i < UNIQUE_RUNS; i++) {
            originals.add(new Message(uuid(random), String.format(Locale.ROOT, "burst-%03d", i)));
        }
        List<Message> all = new ArrayList<>(originals);
        for (int i = 0; i < DUPLICATES; i++) {
            all.add(originals.get(random.nextInt(UNIQUE_RUNS)).duplicate(uuid(random)));
        }
        Collections.shuffle(all, random);
        return all;
    }

    /**
     * Besides the random faults, a few runs get a scripted EMR: for two runs every RunJobFlow answers 500 (their
     * messages end in the DLQ, the run CLAIMED without a cluster), for two EMR rejects every RunJobFlow with a 400
     * ValidationException (DLQ, LAUNCH_FAILED), and for two it rejects only the first one (LAUNCH_FAILED, then the next
     * delivery takes the run over and launches it).
     */
    private static void script(Random random, Faults faults) {
        List<Integer> runs = new ArrayList<>();
        for (int i = 0; i < UNIQUE_RUNS; i++) {
            runs.add(i);
        }
        Collections.shuffle(runs, random);
        Faults.Script[] scripts = Faults.Script.values();
        for (int i = 0; i < 2 * scripts.length; i++) {
            String runKey = String.format(Locale.ROOT, "burst-%03d", runs.get(i));
            faults.scripted.put(RunIdentity.of(ExampleAccount.STACK, JOB, runKey).clusterName(),
                    scripts[i % scripts.length]);
        }
    }

    private static String uuid(Random random) {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** Rounds of SQS delivery until no message is in flight; returns the number of rounds. */
    private static int deliverUntilSettled(LaunchService service, List<Message> messages, MutableClock clock,
                                           Random random) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            int round = 0;
            while (true) {
                List<Message> inFlight = new ArrayList<>(messages.stream()
                        .filter(m -> m.state == Message.State.IN_FLIGHT).toList());
                if (inFlight.isEmpty()) {
                    return round;
                }
                if (round > MAX_RECEIVES) {
                    throw new AssertionError("messages still in flight after " + round + " rounds");
                }
                Collections.shuffle(inFlight, random);
                List<Callable<Void>> deliveries = new ArrayList<>();
                int r = round;
                for (Message message : inFlight) {
                    message.receives++;
                    deliveries.add(() -> {
                        deliver(service, message, r);
                        return null;
                    });
                }
                for (Future<Void> done : pool.invokeAll(deliveries, 5, TimeUnit.MINUTES)) {
                    done.get();
                }
                for (Message message : inFlight) {
                    if (!message.lastFailed) {
                        message.state = Message.State.SUCCEEDED;
                    } else if (message.receives >= MAX_RECEIVES) {
                        message.state = Message.State.DLQ;
                    }
                }
                clock.advance(VISIBILITY_TIMEOUT);
                round++;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One Lambda invocation with a batch of one message, as the event source mapping sends it. */
    private static void deliver(LaunchService service, Message message, int round) {
        SQSEvent.SQSMessage sqs = SqsEvents.message(message.id, message.body);
        sqs.setAttributes(Map.of("ApproximateReceiveCount", String.valueOf(message.receives)));
        SQSEvent batch = SqsEvents.batch(List.of(sqs));
        LoggedContext context = new LoggedContext("launcher");
        boolean failed;
        try {
            SQSBatchResponse response = SqsEvents.deliver(new SqsHandler(service), batch, context);
            failed = response.getBatchItemFailures().stream().anyMatch(f -> message.id.equals(f.getItemIdentifier()));
        } catch (RuntimeException e) {
            // A handler that throws fails the whole batch.
            context.log("handler threw " + e);
            failed = true;
        }
        message.lastFailed = failed;
        for (String line : context.lines()) {
            message.history.add("round " + round + " receive " + message.receives + ": " + line);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What EMR and the ledger hold at the end

    private record RunView(String runKey, List<Message> messages, String clusterName, List<String> motoClusters,
                           Optional<RunRecord> record, int recordCount) {
        boolean anySucceeded() {
            return messages.stream().anyMatch(m -> m.state == Message.State.SUCCEEDED);
        }

        boolean allInDlq() {
            return messages.stream().allMatch(m -> m.state == Message.State.DLQ);
        }

        String clusterId() {
            return record.map(RunRecord::clusterId).orElse(null);
        }
    }

    private record Inspection(List<ClusterSummary> clusters, Map<String, List<String>> clustersByName,
                              Map<String, RunView> runs, List<String> strayRecords, List<String> notInOpenIndex,
                              List<String> problems) {}

    private Inspection inspect(AwsClients direct, List<Message> messages, Faults faults) {
        EmrClient emr = direct.emr();
        S3Client s3 = direct.s3();
        Ledger ledger = new Ledger(s3, ExampleAccount.LEDGER_BUCKET);
        List<String> problems = new ArrayList<>();

        List<ClusterSummary> clusters = emr.listClustersPaginator(r -> { }).clusters().stream().toList();
        Map<String, List<String>> clustersByName = new TreeMap<>();
        for (ClusterSummary cluster : clusters) {
            clustersByName.computeIfAbsent(cluster.name(), n -> new ArrayList<>()).add(cluster.id());
        }
        List<String> recordKeys = s3.listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET)
                .prefix("runs/")).contents().stream().map(S3Object::key).toList();

        Map<String, List<Message>> byRun = messages.stream()
                .collect(Collectors.groupingBy(m -> m.runKey, TreeMap::new, Collectors.toList()));
        Map<String, RunView> runs = new LinkedHashMap<>();
        Set<String> runClusterNames = new HashSet<>();
        for (Map.Entry<String, List<Message>> run : byRun.entrySet()) {
            String runKey = run.getKey();
            String name = RunIdentity.of(ExampleAccount.STACK, JOB, runKey).clusterName();
            runClusterNames.add(name);
            String key = Ledger.recordKey(JOB, runKey);
            int recordCount = (int) recordKeys.stream().filter(key::equals).count();
            runs.put(runKey, new RunView(runKey, run.getValue(), name, clustersByName.getOrDefault(name, List.of()),
                    ledger.read(JOB, runKey).map(Versioned::value), recordCount));
        }
        Set<String> openIndex = new HashSet<>();
        for (Ledger.OpenRun open : ledger.openRuns()) {
            openIndex.add(open.job() + "/" + open.runKey());
        }
        List<String> notInOpenIndex = new ArrayList<>();
        Set<String> expectedKeys = runs.keySet().stream().map(k -> Ledger.recordKey(JOB, k)).collect(Collectors.toSet());
        List<String> strayRecords = recordKeys.stream().filter(k -> !expectedKeys.contains(k)).toList();

        // No run has two clusters, and no cluster belongs to no run.
        Map<String, RunView> runsByClusterName = runs.values().stream()
                .collect(Collectors.toMap(RunView::clusterName, r -> r));
        clustersByName.forEach((name, ids) -> {
            if (ids.size() > 1) {
                RunView run = runsByClusterName.get(name);
                problems.add("DUPLICATE CLUSTERS: " + ids.size() + " clusters named " + name + " " + ids
                        + (run == null ? "" : " for run " + run.runKey() + describe(run)));
            }
            if (!runClusterNames.contains(name)) {
                problems.add("cluster " + ids + " named " + name + " belongs to no run of the burst");
            }
        });
        Set<String> motoIds = clusters.stream().map(ClusterSummary::id).collect(Collectors.toSet());
        long withClusterId = runs.values().stream().filter(r -> r.clusterId() != null).count();
        List<RunView> orphaned = new ArrayList<>();
        for (RunView run : runs.values()) {
            if (run.recordCount() != 1 || run.record().isEmpty()) {
                problems.add("run " + run.runKey() + " has " + run.recordCount() + " ledger records"
                        + describe(run));
                continue;
            }
            RunRecord record = run.record().get();
            // Ledger: "open/<job>/<runKey> lists the runs that are not final, so the reconcile reads only those".
            if (!record.state().terminal() && !openIndex.contains(JOB + "/" + run.runKey())) {
                notInOpenIndex.add(run.runKey());
                problems.add("run " + run.runKey() + " is " + record.state() + " but missing from the open-run index "
                        + "(open/" + JOB + "/" + run.runKey() + "), so the reconcile never looks at it"
                        + describe(run));
            }
            if (record.clusterId() != null) {
                if (!motoIds.contains(record.clusterId())) {
                    problems.add("run " + run.runKey() + " names cluster " + record.clusterId()
                            + ", which EMR does not know" + describe(run));
                } else if (!run.motoClusters().contains(record.clusterId())) {
                    problems.add("run " + run.runKey() + " names cluster " + record.clusterId()
                            + ", which is not called " + run.clusterName() + describe(run));
                }
            } else if (!run.motoClusters().isEmpty()) {
                orphaned.add(run);
            }
            if (run.anySucceeded() && (record.clusterId() == null || record.state() != RunState.LAUNCHED)) {
                problems.add("run " + run.runKey() + " answered success to a message but is " + record.state()
                        + " with cluster " + record.clusterId() + describe(run));
            }
            if (run.allInDlq() && (record.clusterId() != null || !run.motoClusters().isEmpty())
                    && record.state() != RunState.CLAIMED && record.state() != RunState.LAUNCH_FAILED) {
                problems.add("run " + run.runKey() + " has all its messages in the DLQ, yet is " + record.state()
                        + " with a cluster" + describe(run));
            }
        }
        // A cluster no record names is only acceptable for a run whose every message is in the DLQ and whose record
        // is still CLAIMED: the reconcile adopts it. Anything else is a cluster nobody will ever account for.
        for (RunView run : orphaned) {
            if (!(run.allInDlq() && run.record().get().state() == RunState.CLAIMED)) {
                problems.add("cluster " + run.motoClusters() + " of run " + run.runKey() + " is in no ledger record"
                        + describe(run));
            }
        }
        if (clusters.size() != withClusterId + orphaned.size()) {
            problems.add("clusters in moto (" + clusters.size() + ") != runs with a cluster id in the ledger ("
                    + withClusterId + ")" + (orphaned.isEmpty() ? "" : " + clusters of DLQ'd CLAIMED runs awaiting the "
                    + "reconcile (" + orphaned.size() + ")"));
        }
        if (faults.runJobFlowReached.get() != clusters.size()) {
            problems.add(faults.runJobFlowReached.get() + " RunJobFlow calls reached moto, which holds "
                    + clusters.size() + " clusters");
        }
        for (String stray : strayRecords) {
            problems.add("ledger record " + stray + " belongs to no run of the burst");
        }
        for (Message message : messages) {
            if (message.state == Message.State.IN_FLIGHT) {
                problems.add("message " + message.id + " neither succeeded nor reached the DLQ");
            }
        }
        return new Inspection(clusters, clustersByName, runs, strayRecords, notInOpenIndex, problems);
    }

    private String describe(RunView run) {
        StringBuilder text = new StringBuilder("\n      ledger: ").append(run.record().map(Object::toString)
                .orElse("(none)")).append("\n      clusters named ").append(run.clusterName()).append(": ")
                .append(run.motoClusters());
        synchronized (faults.runJobFlowCalls) {
            for (Faults.RunJobFlowCall call : faults.runJobFlowCalls) {
                if (run.clusterName().equals(call.clusterName())) {
                    text.append("\n      ").append(call);
                }
            }
        }
        for (Message message : run.messages()) {
            text.append("\n      message ").append(message.id).append(" ").append(message.state);
            for (String line : message.history) {
                text.append("\n        ").append(line);
            }
        }
        return text.toString();
    }

    private static final Pattern OUTCOME = Pattern.compile("^launch (\\S+)(?: \\((\\w+)\\))?");

    private static void print(long seed, int rounds, List<Message> messages, Inspection seen, Faults faults,
                              long runJobFlowInJournal, Duration took) {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Message message : messages) {
            for (String line : message.history) {
                Matcher m = OUTCOME.matcher(line.substring(line.indexOf(": ") + 2));
                String outcome = m.find() ? m.group(1) + (m.group(2) == null ? "" : " " + m.group(2)) : "other";
                outcomes.merge(outcome, 1, Integer::sum);
            }
        }
        Collection<RunView> runs = seen.runs().values();
        List<RunView> dlqRuns = runs.stream().filter(RunView::allInDlq).toList();
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("seed", seed);
        table.put("messages", messages.size());
        table.put("unique runs", runs.size());
        table.put("messages succeeded", count(messages, Message.State.SUCCEEDED));
        table.put("messages in DLQ", count(messages, Message.State.DLQ));
        table.put("runs with every message in DLQ", dlqRuns.size());
        table.put("clusters in moto", seen.clusters().size());
        table.put("runs with a cluster id in the ledger", runs.stream().filter(r -> r.clusterId() != null).count());
        table.put("cluster names used more than once",
                seen.clustersByName().values().stream().filter(ids -> ids.size() > 1).count());
        table.put("runs with exactly one ledger record", runs.stream().filter(r -> r.recordCount() == 1).count());
        table.put("ledger records of no run", seen.strayRecords().size());
        table.put("runs not final, missing from open/ index", seen.notInOpenIndex().size());
        table.put("RunJobFlow calls seen by WireMock", runJobFlowInJournal);
        table.put("RunJobFlow calls that reached moto", faults.runJobFlowReached.get());
        table.put("requests seen by WireMock", faults.requests.get());
        for (Faults.Kind kind : Faults.Kind.values()) {
            table.put("faults injected: " + kind.label, faults.injected.get(kind).get());
        }
        for (Faults.Script script : Faults.Script.values()) {
            table.put("scripted: " + script.label, faults.scriptedFaults.get(script).get());
        }
        table.put("rounds (6 min apart)", rounds);
        outcomes.forEach((outcome, n) -> table.put("deliveries: " + outcome, n));
        table.put("wall time", took.toMillis() / 1000.0 + " s");

        StringBuilder out = new StringBuilder("\n+------------------------------------------------------+-----------------------+\n");
        table.forEach((k, v) -> out.append(String.format(Locale.ROOT, "| %-52s | %21s |%n", k, v)));
        out.append("+------------------------------------------------------+-----------------------+\n");
        for (RunView run : runs) {
            Faults.Script script = faults.scripted.get(run.clusterName());
            if (run.allInDlq() || script != null) {
                RunRecord record = run.record().orElse(null);
                out.append(String.format(Locale.ROOT,
                        "%s run %s%s: %d message(s)%s, ledger %s, ledger cluster %s, clusters in moto %s%n",
                        run.allInDlq() ? "DLQ" : "   ", run.runKey(), script == null ? "" : " (" + script.label + ")",
                        run.messages().size(), run.allInDlq() ? " all in DLQ" : "",
                        record == null ? "(none)" : record.state() + (record.failure() == null ? ""
                                : " " + record.failure().code()),
                        record == null ? null : record.clusterId(), run.motoClusters()));
            }
        }
        System.out.println(out);
    }

    private static long count(List<Message> messages, Message.State state) {
        return messages.stream().filter(m -> m.state == state).count();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The network

    /**
     * Decides, per request, whether WireMock proxies it to moto or answers with a fault. The decisions come from one
     * seeded {@link Random}. Conditional S3 writes are forwarded under a lock: moto checks {@code If-Match} /
     * {@code If-None-Match} and then writes without holding a lock across both, while S3's conditional writes are
     * atomic; without it the test could see a duplicate claim that real S3 never allows.
     */
    static final class Faults implements ResponseDefinitionTransformerV2 {

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

        private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect",
                "upgrade", "via", "warning", "date", "from", "origin", "referer", "transfer-encoding", "keep-alive",
                "te", "trailer", "proxy-connection");
        private static final Pattern JOB_FLOW_ID = Pattern.compile("\"JobFlowId\"\\s*:\\s*\"([^\"]+)\"");

        private final Random random;
        private final URI moto;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final Object conditionalWrites = new Object();
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

        Faults(Random random, URI moto) {
            this.random = random;
            this.moto = moto;
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
                return conditionalWrite(request) ? forwardAtomically(request) : event.getResponseDefinition();
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
                    HttpResponse<byte[]> answer = forward(request);
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

        private static boolean conditionalWrite(Request request) {
            return "PUT".equals(request.getMethod().getName()) && request.getHeader("X-Amz-Target") == null
                    && (request.containsHeader("If-Match") || request.containsHeader("If-None-Match"));
        }

        private ResponseDefinition forwardAtomically(Request request) {
            HttpResponse<byte[]> answer;
            synchronized (conditionalWrites) {
                answer = forward(request);
            }
            ResponseDefinitionBuilder response = aResponse().withStatus(answer.statusCode()).withBody(answer.body());
            answer.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    response.withHeader(name, values.toArray(String[]::new));
                }
            });
            return response.build();
        }

        /** Sends the request to moto as WireMock received it. */
        private HttpResponse<byte[]> forward(Request request) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(moto + request.getUrl()))
                    .timeout(Duration.ofSeconds(30));
            for (HttpHeader header : request.getHeaders().all()) {
                if (!NOT_FORWARDED.contains(header.key().toLowerCase(Locale.ROOT))) {
                    for (String value : header.values()) {
                        builder.header(header.key(), value);
                    }
                }
            }
            byte[] body = request.getBody();
            builder.method(request.getMethod().getName(), body == null || body.length == 0
                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            try {
                return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                throw new IllegalStateException("moto did not answer " + request.getUrl(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
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
}
