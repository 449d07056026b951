package dev.emringest.recorder;

import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.aws.AwsClients;
import dev.emringest.launcher.ClusterRequestBuilder;
import dev.emringest.launcher.LaunchRequest;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MutableClock;
import dev.emringest.local.MotoServer;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reconcile against moto server (EMR and S3): runs launched by the real {@link LaunchService}, events delivered
 * through {@link EmrEventHandler} (or lost), and {@link ReconcileHandler} finalising, adopting and closing what the
 * events left open. Moto's EMR keeps steps PENDING/RUNNING forever and leaves {@code StateChangeReason} empty, so a
 * run whose cluster moto terminated ends FAILED with the steps moto reports.
 */
class ReconcileIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final Path EXAMPLES = Path.of("../../examples");
    private static final String PASSWORD = "Rec0ncile-Kn0wn-Pa55";
    private static final String STACK = ExampleAccount.STACK;
    private static final String BUCKET = ExampleAccount.LEDGER_BUCKET;
    private static final String JOB = "orders";
    private static final List<String> STEP_NAMES = List.of("sqoop-import orders", "spark-load orders",
            "sqoop-import customers", "spark-load customers");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private MutableClock clock;
    private AwsClients aws;
    private S3Client s3;
    private EmrClient emr;
    private Ledger ledger;
    private LaunchService launches;
    private RecordService records;
    private EmrEventHandler events;
    private ReconcileHandler reconcile;
    private LoggedContext context;

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        aws = MOTO.clients();
        ExampleAccount.seed(aws, EXAMPLES, PASSWORD);
        // Near real time: moto stamps clusters and S3 objects with its own clock, and the reconcile compares them.
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        launches = LaunchService.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                clock);
        s3 = aws.s3();
        emr = aws.emr();
        ledger = new Ledger(s3, BUCKET);
        records = new RecordService(ledger, emr, ManifestReader.in(s3), STACK, clock);
        events = new EmrEventHandler(records);
        reconcile = new ReconcileHandler(new ReconcileService(ledger, emr, records, clock));
        context = new LoggedContext("recorder");
    }

    @AfterEach
    void closeClients() {
        emr.close();
        s3.close();
    }

    // ---- 1. a lost terminal event ---------------------------------------------------------------------------------

    @Test
    void aRunWhoseTerminalEventWasLostIsFinalisedOnceByTheReconcile() {
        String runKey = "2026-11-25T02:00:00Z";
        LaunchService.Result launched = launch(runKey);
        assertEquals(LaunchService.Outcome.LAUNCHED, launched.outcome());
        String clusterId = launched.clusterId();
        assertEquals("UPDATED", event(clusterStateChange(clusterId, launched.clusterName(), "RUNNING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals(RunState.RUNNING, record(runKey).state());
        Instant launchedAt = record(runKey).launchedAt();

        terminate(clusterId);
        // ...and EMR's TERMINATED event is never delivered.
        clock.advance(Duration.ofMinutes(15));

        Map<String, Integer> first = reconcile();
        assertEquals(summary(1, 1, 0, 0, 0, 0), first);
        Versioned<RunRecord> finalRecord = versioned(runKey);
        RunRecord run = finalRecord.value();
        assertEquals(RunState.FAILED, run.state(), "moto's steps never complete, so the run cannot have succeeded");
        assertEquals(clusterId, run.clusterId());
        assertEquals(STEP_NAMES, run.steps().stream().map(StepOutcome::name).toList(), "steps in submission order");
        assertEquals(motoSteps(clusterId), run.steps().stream().map(s -> s.id() + "=" + s.state()).toList(),
                "the steps as EMR (moto) lists them");
        assertFalse(run.steps().stream().allMatch(s -> "COMPLETED".equals(s.state())));
        assertNotNull(run.failure(), "a failed run says it failed");
        assertNull(run.failure().step(), "no step FAILED");
        assertEquals(clock.instant(), run.endedAt());
        assertEquals(launchedAt, run.launchedAt(), "the launch time is kept");
        assertEquals(List.of(), openRuns(), "a final run leaves the open index");
        assertTrue(context.lines().stream().anyMatch(l -> l.contains("finalised=1")), context.lines().toString());

        for (int pass = 2; pass <= 3; pass++) {
            clock.advance(Duration.ofMinutes(15));
            assertEquals(summary(0, 0, 0, 0, 0, 0), reconcile(), "pass " + pass);
            assertEquals(finalRecord, versioned(runKey), "pass " + pass + " rewrote the final record");
        }
    }

    // ---- 2. duplicate, reordered and racing events --------------------------------------------------------------

    @Test
    void duplicateAndReorderedEventsWriteOneFinalRecord() {
        String runKey = "dup-1";
        LaunchService.Result launched = launch(runKey);
        String clusterId = launched.clusterId();
        terminate(clusterId);
        Map<String, Object> terminated = clusterStateChange(clusterId, launched.clusterName(), "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request"));

        Map<String, String> firstAnswer = event(terminated);
        assertEquals("FINAL", firstAnswer.get("outcome"));
        assertEquals("FAILED", firstAnswer.get("state"));
        Versioned<RunRecord> finalRecord = versioned(runKey);
        assertEquals(RunState.FAILED, finalRecord.value().state());
        assertEquals("USER_REQUEST", finalRecord.value().failure().code(),
                "moto's DescribeCluster has no reason: the event's is recorded");
        assertEquals(STEP_NAMES, finalRecord.value().steps().stream().map(StepOutcome::name).toList());
        assertEquals(List.of(), openRuns());

        List<String> outcomes = new ArrayList<>();
        clock.advance(Duration.ofMinutes(1));
        outcomes.add(event(terminated).get("outcome"));
        clock.advance(Duration.ofMinutes(1));
        outcomes.add(event(clusterStateChange(clusterId, launched.clusterName(), "RUNNING", "{\"code\":\"\"}")).get("outcome"));
        clock.advance(Duration.ofMinutes(1));
        outcomes.add(event(clusterStateChange(clusterId, launched.clusterName(), "STARTING", "{\"code\":\"\"}")).get("outcome"));
        assertEquals(List.of("UNCHANGED", "UNCHANGED", "UNCHANGED"), outcomes);
        assertEquals(finalRecord, versioned(runKey), "a later event rewrote the final record");
        assertEquals(summary(0, 0, 0, 0, 0, 0), reconcile());
        assertEquals(finalRecord, versioned(runKey));
    }

    @Test
    void aTerminalEventRacingTheReconcileFinalisesTheRunOnce() throws Exception {
        s3.putBucketVersioning(r -> r.bucket(BUCKET)
                .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 6; round++) {
                String runKey = "race-" + round;
                LaunchService.Result launched = launch(runKey);
                String clusterId = launched.clusterId();
                terminate(clusterId);
                Map<String, Object> terminated = clusterStateChange(clusterId, launched.clusterName(), "TERMINATED",
                        reason("USER_REQUEST", "Terminated by user request"));
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Map<String, String>> eventAnswer = pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return event(terminated);
                });
                Future<Map<String, Integer>> reconcileAnswer = pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return reconcile();
                });
                String eventOutcome = eventAnswer.get(60, TimeUnit.SECONDS).get("outcome");
                Map<String, Integer> summary = reconcileAnswer.get(60, TimeUnit.SECONDS);
                String what = "round " + round + ": event " + eventOutcome + ", reconcile " + summary;

                assertTrue(List.of("FINAL", "UNCHANGED").contains(eventOutcome), what);
                Versioned<RunRecord> finalRecord = versioned(runKey);
                RunRecord run = finalRecord.value();
                assertEquals(RunState.FAILED, run.state(), what);
                assertEquals(clusterId, run.clusterId(), what);
                assertEquals(motoSteps(clusterId), run.steps().stream().map(s -> s.id() + "=" + s.state()).toList(),
                        what);
                assertNotNull(run.failure(), what);
                assertEquals(clock.instant(), run.endedAt(), what);
                assertEquals(List.of("CLAIMED", "LAUNCHED", "FAILED"), stateHistory(runKey),
                        what + ": the run became final exactly once");
                assertFalse(openRuns().contains(JOB + "/" + runKey), what);

                // Whatever arrives next changes nothing.
                assertEquals("UNCHANGED", event(terminated).get("outcome"), what);
                Map<String, Integer> after = reconcile();
                assertEquals(0, after.get("finalised"), what);
                assertEquals(finalRecord, versioned(runKey), what);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The race above, made deterministic: the terminal event lands after the reconcile read the record as running
     * but before it finalised. The ledger is right either way; what the pass reports must be too.
     */
    @Test
    void aReconcileThatLostTheRaceToTheEventDoesNotReportTheRunAsFinalisedByIt() {
        String runKey = "race-lost";
        LaunchService.Result launched = launch(runKey);
        String clusterId = launched.clusterId();
        terminate(clusterId);
        Map<String, Object> terminated = clusterStateChange(clusterId, launched.clusterName(), "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request"));
        AtomicReference<Map<String, String>> eventAnswer = new AtomicReference<>();
        AtomicBoolean delivered = new AtomicBoolean();
        // The reconcile's own DescribeCluster is where the event overtakes it.
        EmrClient eventFirst = intercepting(emr, "describeCluster", () -> {
            if (delivered.compareAndSet(false, true)) {
                eventAnswer.set(event(terminated));
            }
        });
        ReconcileHandler racing = new ReconcileHandler(new ReconcileService(ledger, eventFirst, records, clock));

        Map<String, Integer> summary = racing.handle(Map.of(), context);

        assertEquals("FINAL", eventAnswer.get().get("outcome"), "the event finalised the run");
        assertEquals(RunState.FAILED, record(runKey).state());
        assertEquals("USER_REQUEST", record(runKey).failure().code(), "the event's record stands");
        assertEquals(0, summary.get("finalised"),
                "the pass wrote nothing, yet reports the run as finalised by it: " + summary);
    }

    /** The same race the other way round: the reconcile finalises while the event is asking EMR. */
    @Test
    void anEventThatLostTheRaceToTheReconcileDoesNotAnswerFinal() {
        String runKey = "race-lost-by-event";
        LaunchService.Result launched = launch(runKey);
        String clusterId = launched.clusterId();
        terminate(clusterId);
        AtomicReference<Map<String, Integer>> reconciled = new AtomicReference<>();
        AtomicBoolean ran = new AtomicBoolean();
        // The event's ListSteps (after it read the record as open) is where the reconcile overtakes it.
        EmrClient reconcileFirst = intercepting(emr, "listStepsPaginator", () -> {
            if (ran.compareAndSet(false, true)) {
                reconciled.set(reconcile());
            }
        });
        EmrEventHandler racing = new EmrEventHandler(new RecordService(ledger, reconcileFirst, STACK, clock));
        Versioned<RunRecord> open = versioned(runKey);

        Map<String, String> answer = racing.handle(clusterStateChange(clusterId, launched.clusterName(), "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request")), context);

        assertEquals(summary(1, 1, 0, 0, 0, 0), reconciled.get(), "the reconcile finalised the run");
        Versioned<RunRecord> finalRecord = versioned(runKey);
        assertNotEquals(open.etag(), finalRecord.etag());
        assertEquals(RunState.FAILED, finalRecord.value().state());
        assertEquals("", finalRecord.value().failure().code(), "the reconcile's record stands (moto gives no reason)");
        assertEquals("UNCHANGED", answer.get("outcome"),
                "the event wrote nothing (the record it answers with is the reconcile's), yet answers " + answer);
    }

    // ---- 3. a run that is still running -------------------------------------------------------------------------

    @Test
    void aRunStillRunningIsLeftAsItIs() {
        String runKey = "running-1";
        LaunchService.Result launched = launch(runKey);
        event(clusterStateChange(launched.clusterId(), launched.clusterName(), "RUNNING", "{\"code\":\"\"}"));
        Versioned<RunRecord> before = versioned(runKey);
        assertActive(launched.clusterId());

        for (Duration later : List.of(Duration.ofMinutes(15), STUCK_AFTER_PLUS_HOUR)) {
            clock.advance(later);
            MOTO.startRecording();
            Map<String, Integer> summary = reconcile();
            List<MotoServer.Recorded> requests = MOTO.recording();
            assertEquals(summary(1, 0, 0, 0, 0, 1), summary, "after " + later);
            assertEquals(before, versioned(runKey));
            assertEquals(List.of(JOB + "/" + runKey), openRuns());
            assertTrue(requests.stream().anyMatch(r -> "GET".equals(r.method())
                    && URI.create(r.url()).getPath().startsWith("/" + BUCKET + "/runs/")), "the pass read the run");
            assertEquals(List.of(), ledgerWrites(requests), "the pass wrote to the ledger");
        }
    }

    private static final Duration STUCK_AFTER_PLUS_HOUR = ReconcileService.STUCK_AFTER.plusHours(1);

    // ---- 4. a stuck claim whose cluster exists ------------------------------------------------------------------

    @Test
    void aStuckClaimWhoseClusterRunsIsAdopted() {
        String runKey = "stuck-with-cluster";
        String clusterId = launchThenLoseTheRecording(runKey);
        assertActive(clusterId);

        clock.advance(ReconcileService.STUCK_AFTER.minusMinutes(5));
        Versioned<RunRecord> young = versioned(runKey);
        assertEquals(summary(1, 0, 0, 0, 0, 1), reconcile(), "a claim younger than STUCK_AFTER is left alone");
        assertEquals(young, versioned(runKey));

        clock.advance(Duration.ofMinutes(6));
        assertEquals(summary(1, 0, 1, 0, 0, 0), reconcile());
        RunRecord run = record(runKey);
        assertEquals(RunState.LAUNCHED, run.state());
        assertEquals(clusterId, run.clusterId());
        assertEquals(clock.instant(), run.launchedAt());
        assertEquals(List.of(JOB + "/" + runKey), openRuns(), "an adopted run is still open");

        // Adopted, it is an ordinary launched run: its events and the next passes take it from here.
        clock.advance(Duration.ofMinutes(15));
        Versioned<RunRecord> adopted = versioned(runKey);
        assertEquals(summary(1, 0, 0, 0, 0, 1), reconcile());
        assertEquals(adopted, versioned(runKey));
        terminate(clusterId);
        clock.advance(Duration.ofMinutes(15));
        assertEquals(summary(1, 1, 0, 0, 0, 0), reconcile());
        assertEquals(RunState.FAILED, record(runKey).state());
        assertEquals(List.of(), openRuns());
    }

    @Test
    void aStuckClaimWhoseClusterEndedIsAdoptedAndFinalisedInOnePass() {
        String runKey = "stuck-cluster-ended";
        String clusterId = launchThenLoseTheRecording(runKey);
        terminate(clusterId);

        clock.advance(ReconcileService.STUCK_AFTER.plusMinutes(1));
        assertEquals(summary(1, 1, 1, 0, 0, 0), reconcile());
        Versioned<RunRecord> finalRecord = versioned(runKey);
        RunRecord run = finalRecord.value();
        assertEquals(RunState.FAILED, run.state());
        assertEquals(clusterId, run.clusterId());
        assertEquals(motoSteps(clusterId), run.steps().stream().map(s -> s.id() + "=" + s.state()).toList());
        assertEquals(List.of(), openRuns());

        clock.advance(Duration.ofMinutes(15));
        assertEquals(summary(0, 0, 0, 0, 0, 0), reconcile());
        assertEquals(finalRecord, versioned(runKey));
    }

    // ---- 5. a stuck claim without a cluster ---------------------------------------------------------------------

    @Test
    void aStuckClaimWithoutAClusterFailsToLaunchAndAYoungOneIsLeftAlone() {
        String stuck = "stuck-no-cluster";
        assertTrue(ledger.claim(claim(stuck)).created());
        clock.advance(ReconcileService.STUCK_AFTER.plusMinutes(1));
        String young = "young-claim";
        assertTrue(ledger.claim(claim(young)).created());
        Versioned<RunRecord> youngBefore = versioned(young);

        assertEquals(summary(2, 0, 0, 1, 0, 1), reconcile());
        Versioned<RunRecord> failed = versioned(stuck);
        RunRecord run = failed.value();
        assertEquals(RunState.LAUNCH_FAILED, run.state());
        assertEquals(RunRecord.NO_CLUSTER, run.failure().code());
        assertFalse(run.failure().message().isBlank(), "an operator is told what happened");
        assertNull(run.clusterId());
        assertEquals(clock.instant(), run.endedAt());
        assertEquals(youngBefore, versioned(young), "a claim younger than STUCK_AFTER is left alone");
        assertEquals(List.of(JOB + "/" + young), openRuns());

        clock.advance(Duration.ofMinutes(1));
        assertEquals(summary(1, 0, 0, 0, 0, 1), reconcile());
        assertEquals(failed, versioned(stuck), "a second pass changed the failed run");
        assertEquals(youngBefore, versioned(young));
    }

    // ---- 6. orphan open/ markers --------------------------------------------------------------------------------

    @Test
    void anOldOrphanMarkerIsRemovedAndAYoungOneKept() throws InterruptedException {
        putMarker("orphan-old");
        Thread.sleep(1_500); // S3's LastModified has whole seconds
        putMarker("orphan-young");
        Map<String, Instant> since = new LinkedHashMap<>();
        ledger.openRuns().forEach(r -> since.put(r.runKey(), r.since()));
        assertTrue(since.get("orphan-old").isBefore(since.get("orphan-young")), since.toString());
        // The young marker is exactly STUCK_AFTER old, the other older than that.
        clock.set(since.get("orphan-young").plus(ReconcileService.STUCK_AFTER));

        assertEquals(summary(2, 0, 0, 0, 1, 1), reconcile());
        assertEquals(List.of(JOB + "/orphan-young"), openRuns());
        assertTrue(ledger.read(JOB, "orphan-old").isEmpty(), "removing a marker writes no record");

        assertEquals(summary(1, 0, 0, 0, 0, 1), reconcile());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(summary(1, 0, 0, 0, 1, 0), reconcile());
        assertEquals(List.of(), openRuns());
    }

    // ---- 7. cost: a pass reads the open runs only ---------------------------------------------------------------

    @Test
    void aPassReadsOnlyTheOpenRuns() {
        for (int i = 0; i < 50; i++) {
            String runKey = "done-" + i;
            Versioned<RunRecord> claimed = ledger.claim(claim(runKey)).record();
            RunRecord launched = claimed.value().launched("j-DONE" + i, clock.instant());
            Versioned<RunRecord> running = ledger.swap(claimed, launched).orElseThrow();
            ledger.swap(running, launched.ended(i % 2 == 0 ? RunState.SUCCEEDED : RunState.FAILED, List.of(),
                    null, clock.instant())).orElseThrow();
        }
        LaunchService.Result open = launch("open-running");
        assertTrue(ledger.claim(claim("open-claimed")).created());
        assertEquals(List.of(JOB + "/open-claimed", JOB + "/open-running"), openRuns());

        MOTO.startRecording();
        Map<String, Integer> summary = reconcile();
        List<MotoServer.Recorded> requests = MOTO.recording();

        assertEquals(summary(2, 0, 0, 0, 0, 2), summary);
        List<String> runReads = new ArrayList<>();
        List<String> listings = new ArrayList<>();
        for (MotoServer.Recorded request : requests) {
            URI url = URI.create(request.url());
            String path = url.getPath();
            if (!path.startsWith("/" + BUCKET)) {
                continue;
            }
            if (path.startsWith("/" + BUCKET + "/runs/") && List.of("GET", "HEAD").contains(request.method())) {
                runReads.add(path);
            }
            if ("GET".equals(request.method()) && (path.equals("/" + BUCKET) || path.equals("/" + BUCKET + "/"))) {
                listings.add(url.getQuery());
            }
        }
        assertTrue(runReads.size() >= 2, "the recording shows the open runs' reads: " + runReads);
        assertTrue(runReads.size() <= 2 + 2, "the pass read " + runReads.size() + " run records: " + runReads);
        assertTrue(runReads.stream().noneMatch(p -> p.contains("done-")), "a final run was read: " + runReads);
        assertTrue(listings.stream().allMatch(q -> q != null && q.contains("prefix=open")),
                "the pass listed more than the open index: " + listings);
        assertEquals(List.of(), ledgerWrites(requests));
        assertEquals(RunState.LAUNCHED, record("open-running").state());
        assertEquals(open.clusterId(), record("open-running").clusterId());
    }

    // ---- the launcher's part and a lost recording ---------------------------------------------------------------

    private LaunchService.Result launch(String runKey) {
        return launches.launch(new LaunchRequest(JOB, runKey));
    }

    /**
     * An attempt that died right after RunJobFlow: the cluster exists in EMR (moto), but the record's cluster id was
     * not written. The record goes back to the claim it was.
     */
    private String launchThenLoseTheRecording(String runKey) {
        LaunchService.Result launched = launch(runKey);
        assertEquals(ClusterRequestBuilder.Run.of(STACK, JOB, runKey).clusterName(), launched.clusterName());
        Versioned<RunRecord> recorded = versioned(runKey);
        RunRecord r = recorded.value();
        RunRecord claimed = new RunRecord(r.job(), r.runKey(), RunState.CLAIMED, r.attempt(), null, r.clusterName(),
                r.definitionVersion(), List.of(), null, r.createdAt(), null, null, r.createdAt(), r.window());
        assertTrue(ledger.swap(recorded, claimed).isPresent());
        assertEquals(List.of(JOB + "/" + runKey), openRuns());
        return launched.clusterId();
    }

    private RunRecord claim(String runKey) {
        return RunRecord.claim(JOB, runKey, UUID.randomUUID().toString(),
                ClusterRequestBuilder.Run.of(STACK, JOB, runKey).clusterName(), "jobs/orders@1,defaults@1",
                clock.instant());
    }

    private void putMarker(String runKey) {
        s3.putObject(p -> p.bucket(BUCKET).key("open/" + JOB + "/" + runKey), RequestBody.empty());
    }

    // ---- EMR (moto) ---------------------------------------------------------------------------------------------

    private void terminate(String clusterId) {
        emr.terminateJobFlows(r -> r.jobFlowIds(clusterId));
        assertEquals(ClusterState.TERMINATED, clusterState(clusterId));
    }

    /** Moto says WAITING for a cluster with steps it never runs: active, not ended. */
    private void assertActive(String clusterId) {
        ClusterState state = clusterState(clusterId);
        assertTrue(RunClusters.ACTIVE.contains(state), clusterId + " is " + state);
    }

    private ClusterState clusterState(String clusterId) {
        return emr.describeCluster(r -> r.clusterId(clusterId)).cluster().status().state();
    }

    /** {@code id=STATE} of the cluster's steps in submission order (ListSteps answers newest first). */
    private List<String> motoSteps(String clusterId) {
        List<String> steps = new ArrayList<>();
        for (StepSummary s : emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps()) {
            steps.add(s.id() + "=" + s.status().stateAsString());
        }
        Collections.reverse(steps);
        assertEquals(STEP_NAMES.size(), steps.size());
        return steps;
    }

    /** {@code client}, calling {@code before} ahead of each call of the method named {@code method}. */
    private static EmrClient intercepting(EmrClient client, String method, Runnable before) {
        InvocationHandler handler = (proxy, m, args) -> {
            if (m.getName().equals(method)) {
                before.run();
            }
            try {
                return m.invoke(client, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (EmrClient) Proxy.newProxyInstance(EmrClient.class.getClassLoader(), new Class<?>[] {EmrClient.class},
                handler);
    }

    // ---- the ledger ---------------------------------------------------------------------------------------------

    private RunRecord record(String runKey) {
        return versioned(runKey).value();
    }

    private Versioned<RunRecord> versioned(String runKey) {
        return ledger.read(JOB, runKey).orElseThrow(() -> new AssertionError("no run record for " + runKey));
    }

    /** {@code job/runKey} of each open/ marker, sorted. */
    private List<String> openRuns() {
        return ledger.openRuns().stream().map(r -> r.job() + "/" + r.runKey()).sorted().toList();
    }

    /** The states the run's record was written with, oldest first (the bucket keeps every version). */
    private List<String> stateHistory(String runKey) {
        String key = Ledger.recordKey(JOB, runKey);
        List<ObjectVersion> versions = new ArrayList<>(s3.listObjectVersionsPaginator(r -> r.bucket(BUCKET).prefix(key))
                .versions().stream().filter(v -> v.key().equals(key)).toList());
        Collections.reverse(versions); // newest first
        List<String> states = new ArrayList<>();
        for (ObjectVersion v : versions) {
            byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key).versionId(v.versionId())).asByteArray();
            states.add(JSON.readTree(bytes).path("state").asString());
        }
        return states;
    }

    /** Requests that changed the ledger bucket. */
    private static List<String> ledgerWrites(List<MotoServer.Recorded> requests) {
        return requests.stream()
                .filter(r -> List.of("PUT", "POST", "DELETE").contains(r.method()))
                .map(r -> r.method() + " " + URI.create(r.url()).getPath())
                .filter(s -> s.contains("/" + BUCKET))
                .toList();
    }

    // ---- handlers -----------------------------------------------------------------------------------------------

    private Map<String, String> event(Map<String, Object> event) {
        return events.handle(event, context);
    }

    private Map<String, Integer> reconcile() {
        return reconcile.handle(Map.of(), context);
    }

    private static Map<String, Integer> summary(int open, int finalised, int adopted, int launchFailed, int closed,
                                                int unchanged) {
        Map<String, Integer> s = new LinkedHashMap<>();
        s.put("open", open);
        s.put("finalised", finalised);
        s.put("adopted", adopted);
        s.put("launchFailed", launchFailed);
        s.put("closed", closed);
        s.put("unchanged", unchanged);
        return s;
    }
}
