package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.emringest.aws.AwsClients;
import dev.emringest.launcher.LaunchRequest;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.launcher.RunInProgressException;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import dev.emringest.local.MutableClock;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ListStepsRequest;
import software.amazon.awssdk.services.emr.model.ListStepsResponse;
import software.amazon.awssdk.services.emr.model.StepState;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.emr.paginators.ListStepsIterable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Incremental windows end to end against moto server (EMR, S3, SSM): sequences of launches through the real
 * {@link LaunchService} (schedule firings, queued requests, duplicates, concurrent triggers, backfills) and
 * completions through the real {@link RecordService} and {@link ReconcileService} (success, failure, duplicate,
 * reversed and lost events). The successful regular windows must tile the timeline ({@code lastmodified}) and the
 * key space ({@code append}) with no gap and no overlap, and the watermark must never go back.
 *
 * <p>Moto never completes steps: the recorder's EMR client reports COMPLETED steps for the clusters this test
 * decides succeed, and moto's own PENDING steps (a failure) for the others.
 */
class WindowSimulationIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final Path EXAMPLES = Path.of("../../examples");
    private static final String JOB = "inc";
    private static final String TIMED = "orders";
    private static final String KEYED = "events";
    private static final Instant BASE = Instant.parse("2026-11-25T00:00:00Z");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AwsClients aws;
    private S3Client s3;
    private EmrClient emr;
    private MutableClock clock;
    private Ledger ledger;
    private LaunchService launches;
    private RecordService records;
    private ReconcileService reconcile;
    private final Set<String> succeeding = ConcurrentHashMap.newKeySet();
    private Random random;
    private long highestKeyInSource;
    private Instant lastTimeMark;
    private Long lastKeyMark;
    private final List<String> backfills = new ArrayList<>();

    @BeforeEach
    void freshAccount() throws Exception {
        MOTO.reset();
        aws = MOTO.clients();
        ExampleAccount.seed(aws, EXAMPLES, "Simulati0n-Pa55");
        s3 = aws.s3();
        emr = aws.emr();
        s3.createBucket(r -> r.bucket("example-lake"));
        ObjectNode job = (ObjectNode) JSON.readTree(Files.readString(EXAMPLES.resolve("jobs/orders.json")));
        ObjectNode source = (ObjectNode) job.get("source");
        source.set("tables", JSON.readTree("""
                [{"name": "orders", "splitBy": "id", "columns": ["id", "status", "updated_at"],
                  "incremental": {"column": "updated_at", "mode": "lastmodified", "lagSeconds": 60}},
                 {"name": "events", "splitBy": "id", "incremental": {"column": "id", "mode": "append"}}]"""));
        ExampleAccount.put(aws.ssm(), ExampleAccount.PREFIX + "/jobs/" + JOB, JSON.writeValueAsString(job));
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        launches = LaunchService.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                clock);
        ledger = new Ledger(s3, ExampleAccount.LEDGER_BUCKET);
        EmrClient recorderEmr = completingSteps(emr);
        records = new RecordService(ledger, recorderEmr, ManifestReader.in(s3), ExampleAccount.STACK, clock);
        reconcile = new ReconcileService(ledger, recorderEmr, records, clock);
        succeeding.clear();
        backfills.clear();
        highestKeyInSource = 0;
        lastTimeMark = null;
        lastKeyMark = null;
    }

    @AfterEach
    void closeClients() {
        emr.close();
        s3.close();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void successfulWindowsTileTheTimelineAndTheWatermarkNeverGoesBack(long seed) throws Exception {
        random = new Random(seed);
        List<LaunchService.Result> finished = new ArrayList<>();
        String deferredQueued = null;
        Instant deferredSentAt = null;
        for (int tick = 1; tick <= 12; tick++) {
            clock.advance(Duration.ofMinutes(3));
            Instant fired = BASE.plus(Duration.ofHours(tick));
            highestKeyInSource += random.nextInt(4);  // rows keep arriving; sometimes none

            // A queued request deferred earlier is redelivered first.
            if (deferredQueued != null) {
                LaunchService.Result retried = launch(queued(deferredQueued, deferredSentAt));
                complete(retried, random.nextBoolean());
                deferredQueued = null;
            }

            // The schedule fires, sometimes twice for the same firing (at-least-once), sometimes with several
            // firings racing each other.
            LaunchService.Result run;
            if (random.nextInt(4) == 0) {
                run = race(fired);
            } else {
                run = launch(scheduled(fired));
                assertEquals(run.clusterId(), launch(scheduled(fired)).clusterId(), "a duplicate firing is the same run");
            }
            assertEquals(LaunchService.Outcome.LAUNCHED, run.outcome());

            // While it is in flight: another firing is skipped, a queued request is deferred, a backfill runs.
            if (random.nextInt(3) == 0) {
                LaunchService.Result skipped = launch(scheduled(fired.plusSeconds(600)));
                assertEquals(LaunchService.Outcome.SKIPPED, skipped.outcome());
                assertEquals(RunState.SKIPPED, record(skipped.runKey()).state());
                String messageId = "m-" + tick;
                assertThrows(RunInProgressException.class, () -> launch(queued(messageId, fired)));
                deferredQueued = messageId;
                deferredSentAt = fired;  // SentTimestamp: the same on every redelivery
            }
            if (random.nextInt(4) == 0) {
                backfill(tick);
            }
            complete(run, random.nextInt(3) != 0);
            assertNull(state().inFlight(), "a finished run gives the slot back");
            finished.add(run);
            // An old run's terminal event, duplicated and delivered hours late: it changes nothing.
            LaunchService.Result old = finished.get(random.nextInt(finished.size()));
            JobState before = state();
            records.record(new EmrEvent(EmrEvent.Kind.CLUSTER, old.clusterId(), old.clusterName(), "TERMINATED",
                    null, null, new EmrEvent.Reason("", "")));
            assertEquals(before, state(), "a late duplicate of run " + old.runKey() + " changed the job's state");
        }
        assertTiling();
    }

    // ---- triggers ------------------------------------------------------------------------------------------------

    private static LaunchRequest scheduled(Instant fired) {
        return LaunchRequest.fromSchedule(Map.of("job", JOB, "scheduledTime", fired.toString()));
    }

    private static LaunchRequest queued(String messageId, Instant sentAt) {
        return LaunchRequest.fromSqs("{\"job\": \"" + JOB + "\"}", messageId, sentAt);
    }

    private LaunchService.Result launch(LaunchRequest request) {
        LaunchService.Result result = launches.launch(request);
        if (result.outcome() == LaunchService.Outcome.LAUNCHED) {
            long open = regularRuns().stream().filter(r -> !r.state().terminal()).count();
            assertEquals(1, open, "two regular runs of one incremental job in flight");
            assertEquals(request.runKey(), state().inFlight());
        }
        return result;
    }

    /** Four firings at once: one launches, the others are skipped; none runs in parallel. */
    private LaunchService.Result race(Instant fired) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CyclicBarrier start = new CyclicBarrier(4);
        List<Future<LaunchService.Result>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Instant at = fired.plusSeconds(i);
            results.add(pool.submit(() -> {
                start.await();
                return launches.launch(scheduled(at));
            }));
        }
        List<LaunchService.Result> launched = new ArrayList<>();
        int skipped = 0;
        for (Future<LaunchService.Result> f : results) {
            LaunchService.Result r = f.get();
            if (r.outcome() == LaunchService.Outcome.LAUNCHED) {
                launched.add(r);
            } else {
                assertEquals(LaunchService.Outcome.SKIPPED, r.outcome());
                skipped++;
            }
        }
        pool.shutdown();
        assertEquals(1, launched.size(), "exactly one of the racing firings launches");
        assertEquals(3, skipped);
        return launched.get(0);
    }

    /** A backfill of a past window: launched beside the regular run, it never moves the watermark. */
    private void backfill(int tick) {
        JobState before = state();
        String runKey = "backfill-" + tick;
        LaunchService.Result r = launches.launch(LaunchRequest.fromSqs("{\"job\": \"" + JOB + "\", \"runKey\": \""
                + runKey + "\", \"window\": {\"from\": \"" + BASE + "\", \"to\": \"" + BASE.plusSeconds(3600)
                + "\", \"above\": 0, \"upTo\": 2}}", "b-" + tick, null));
        assertEquals(LaunchService.Outcome.LAUNCHED, r.outcome());
        RunWindow window = record(runKey).window();
        assertTrue(window.backfill());
        assertEquals(BASE, window.tables().get(TIMED).from());
        assertEquals(2L, window.tables().get(KEYED).upTo());
        backfills.add(runKey);
        writeManifest(window, 2L);
        succeeding.add(r.clusterId());
        terminate(r.clusterId());
        deliver(r);
        assertEquals(RunState.SUCCEEDED, record(runKey).state());
        assertEquals(before.tables(), state().tables(), "a backfill moved the watermark");
        assertEquals(before.inFlight(), state().inFlight(), "a backfill took or gave back the slot");
    }

    // ---- completions ---------------------------------------------------------------------------------------------

    private void complete(LaunchService.Result run, boolean success) {
        RunRecord record = record(run.runKey());
        RunWindow window = record.window();
        assertTrue(!window.backfill());
        // The window starts at the watermark: nothing skipped, nothing imported twice.
        RunWindow.TableWindow timed = window.tables().get(TIMED);
        RunWindow.TableWindow keyed = window.tables().get(KEYED);
        assertEquals(lastTimeMark, timed.from(), "the lastmodified window starts at the watermark");
        assertEquals(lastKeyMark, keyed.above(), "the append window starts above the watermark");
        if (success) {
            // What the append import reports: the highest key it read, or none when no new row arrived.
            long above = keyed.above() == null ? 0 : keyed.above();
            writeManifest(window, highestKeyInSource > above ? highestKeyInSource : null);
            succeeding.add(run.clusterId());
        }
        terminate(run.clusterId());
        deliver(run);
        RunRecord after = record(run.runKey());
        assertEquals(success ? RunState.SUCCEEDED : RunState.FAILED, after.state());
        if (success) {
            lastTimeMark = timed.to();
            long above = keyed.above() == null ? 0 : keyed.above();
            if (highestKeyInSource > above) {
                lastKeyMark = highestKeyInSource;
            }
        }
        JobState state = state();
        assertEquals(lastTimeMark, mark(state, TIMED).map(JobState.TableState::time).orElse(null));
        assertEquals(lastKeyMark, mark(state, KEYED).map(JobState.TableState::key).orElse(null));
    }

    /**
     * The terminal event, delivered once, several times, after a later-looking RUNNING event (reversed), or lost and
     * found by the reconcile; then, sometimes, again long after. The watermark is checked after each.
     */
    private void deliver(LaunchService.Result run) {
        EmrEvent terminated = new EmrEvent(EmrEvent.Kind.CLUSTER, run.clusterId(), run.clusterName(), "TERMINATED",
                null, null, new EmrEvent.Reason("", ""));
        EmrEvent running = new EmrEvent(EmrEvent.Kind.CLUSTER, run.clusterId(), run.clusterName(), "RUNNING",
                null, null, new EmrEvent.Reason("", ""));
        Consumer<Runnable> watched = action -> {
            JobState before = state();
            action.run();
            assertForwards(before, state());
        };
        switch (random.nextInt(4)) {
            case 0 -> watched.accept(() -> records.record(terminated));
            case 1 -> {
                watched.accept(() -> records.record(terminated));
                watched.accept(() -> records.record(terminated));
            }
            case 2 -> {
                watched.accept(() -> records.record(terminated));
                watched.accept(() -> records.record(running));  // reversed: the older event arrives last
            }
            default -> watched.accept(this::reconcilePass);  // every event lost
        }
        if (random.nextBoolean()) {
            watched.accept(() -> records.record(terminated));  // a very late duplicate
            watched.accept(this::reconcilePass);
        }
    }

    /** A pass in which no run failed (the reconcile reports a run's failure and goes on with the others). */
    private void reconcilePass() {
        assertEquals(List.of(), reconcile.reconcile().failed());
    }

    // ---- the verdict ---------------------------------------------------------------------------------------------

    private void assertTiling() {
        List<RunRecord> ok = regularRuns().stream().filter(r -> r.state() == RunState.SUCCEEDED)
                .sorted(Comparator.comparing(r -> r.window().tables().get(TIMED).to())).toList();
        assertTrue(ok.size() >= 2, "the simulation should have succeeded a few times: " + ok.size());
        Instant end = null;
        Long keyEnd = null;
        for (RunRecord r : ok) {
            RunWindow.TableWindow timed = r.window().tables().get(TIMED);
            assertEquals(end, timed.from(), r.runKey() + ": a gap or an overlap before its window");
            assertTrue(timed.from() == null || !timed.to().isBefore(timed.from()), r.runKey() + ": window backwards");
            end = timed.to();
            RunWindow.TableWindow keyed = r.window().tables().get(KEYED);
            assertEquals(keyEnd, keyed.above(), r.runKey() + ": a key gap or overlap");
            Long max = manifestMax(keyed.manifest());
            if (max != null) {
                assertTrue(keyed.above() == null || max > keyed.above());
                keyEnd = max;
            }
        }
        assertEquals(end, mark(state(), TIMED).map(JobState.TableState::time).orElse(null),
                "the watermark is the end of the last successful window");
        assertEquals(keyEnd, mark(state(), KEYED).map(JobState.TableState::key).orElse(null));
        for (String backfill : backfills) {
            assertEquals(RunState.SUCCEEDED, record(backfill).state());
        }
    }

    private static void assertForwards(JobState before, JobState after) {
        for (String table : List.of(TIMED, KEYED)) {
            JobState.TableState b = before.table(table);
            JobState.TableState a = after.table(table);
            if (b == null) {
                continue;
            }
            if (a == null) {
                fail(table + ": watermark removed");
            }
            if (b.time() != null && a.time().isBefore(b.time())) {
                fail(table + ": watermark went back from " + b.time() + " to " + a.time());
            }
            if (b.key() != null && a.key() < b.key()) {
                fail(table + ": watermark went back from " + b.key() + " to " + a.key());
            }
        }
    }

    // ---- moto and the ledger -------------------------------------------------------------------------------------

    private void writeManifest(RunWindow window, Long maxKey) {
        URI uri = URI.create(window.tables().get(KEYED).manifest());
        s3.putObject(r -> r.bucket(uri.getHost()).key(uri.getPath().substring(1)),
                RequestBody.fromString("{\"rows\": 1, \"maxKey\": " + maxKey + "}"));
    }

    private Long manifestMax(String manifest) {
        URI uri = URI.create(manifest);
        var node = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(uri.getHost()).key(uri.getPath().substring(1)))
                .asByteArray());
        return node.get("maxKey").isNull() ? null : node.get("maxKey").asLong();
    }

    private void terminate(String clusterId) {
        emr.terminateJobFlows(r -> r.jobFlowIds(clusterId));
    }

    private JobState state() {
        return ledger.readState(JOB).map(v -> v.value()).orElse(JobState.empty(JOB));
    }

    private static Optional<JobState.TableState> mark(JobState state, String table) {
        return Optional.ofNullable(state.table(table));
    }

    private RunRecord record(String runKey) {
        return ledger.read(JOB, runKey).orElseThrow().value();
    }

    private List<RunRecord> regularRuns() {
        List<RunRecord> runs = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET)
                .prefix("runs/" + JOB + "/")).contents()) {
            String runKey = o.key().substring(("runs/" + JOB + "/").length()).replaceAll("\\.json$", "");
            RunRecord r = record(runKey);
            if (r.window() != null && !r.window().backfill()) {
                runs.add(r);
            }
        }
        return runs;
    }

    /** The recorder's EMR client: moto's answers, with every step COMPLETED for the clusters that succeed. */
    private EmrClient completingSteps(EmrClient client) {
        EmrClient[] self = new EmrClient[1];
        InvocationHandler handler = (proxy, m, args) -> {
            if (m.getName().equals("listStepsPaginator")) {
                ListStepsRequest request = args[0] instanceof ListStepsRequest r ? r
                        : ListStepsRequest.builder().applyMutation(castConsumer(args[0])).build();
                return new ListStepsIterable(self[0], request);
            }
            try {
                Object answer = m.invoke(client, args);
                if (m.getName().equals("listSteps") && answer instanceof ListStepsResponse steps
                        && args[0] instanceof ListStepsRequest r && succeeding.contains(r.clusterId())) {
                    return steps.toBuilder().steps(steps.steps().stream().map(WindowSimulationIT::completed).toList())
                            .build();
                }
                return answer;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        self[0] = (EmrClient) Proxy.newProxyInstance(EmrClient.class.getClassLoader(), new Class<?>[] {EmrClient.class},
                handler);
        return self[0];
    }

    @SuppressWarnings("unchecked")
    private static Consumer<ListStepsRequest.Builder> castConsumer(Object consumer) {
        return (Consumer<ListStepsRequest.Builder>) consumer;
    }

    private static StepSummary completed(StepSummary step) {
        return step.toBuilder().status(step.status().toBuilder().state(StepState.COMPLETED).build()).build();
    }
}
