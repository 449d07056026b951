package dev.emringest.recorder;

import static dev.emringest.recorder.IncrementalJobOnMoto.JOB;
import static dev.emringest.recorder.IncrementalJobOnMoto.KEYED;
import static dev.emringest.recorder.IncrementalJobOnMoto.TIMED;
import static dev.emringest.recorder.IncrementalJobOnMoto.queued;
import static dev.emringest.recorder.IncrementalJobOnMoto.scheduled;
import static dev.emringest.recorder.WindowVerdict.assertForwards;
import static dev.emringest.recorder.WindowVerdict.assertTiling;
import static dev.emringest.recorder.WindowVerdict.mark;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.launcher.LaunchRequest;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.RunInProgressException;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Incremental windows end to end against moto server (EMR, S3, SSM): sequences of launches through the real
 * {@link LaunchService} (schedule firings, queued requests, duplicates, concurrent triggers, backfills) and
 * completions through the real {@link RecordService} and {@link ReconcileService} (success, failure, duplicate,
 * reversed and lost events). The successful regular windows must tile the timeline ({@code lastmodified}) and the
 * key space ({@code append}) with no gap and no overlap, and the watermark must never go back.
 * How moto's clusters succeed is {@link IncrementalJobOnMoto}'s; {@link WindowVerdict} checks the outcome.
 */
class WindowSimulationIT {

    private static final Instant BASE = Instant.parse("2026-11-25T00:00:00Z");

    private IncrementalJobOnMoto stack;
    private Random random;
    private long highestKeyInSource;
    private Instant lastTimeMark;
    private Long lastKeyMark;
    private final List<String> backfills = new ArrayList<>();

    @BeforeEach
    void freshAccount() throws IOException {
        stack = new IncrementalJobOnMoto();
    }

    @AfterEach
    void closeClients() {
        stack.close();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void successfulWindowsTileTheTimelineAndTheWatermarkNeverGoesBack(long seed) throws Exception {
        random = new Random(seed);
        List<LaunchService.Result> finished = new ArrayList<>();
        String deferredQueued = null;
        Instant deferredSentAt = null;
        for (int tick = 1; tick <= 12; tick++) {
            stack.clock.advance(Duration.ofMinutes(3));
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
                run = stack.race(fired);
            } else {
                run = launch(scheduled(fired));
                assertEquals(run.clusterId(), launch(scheduled(fired)).clusterId(), "a duplicate firing is the same run");
            }
            assertEquals(LaunchService.Outcome.LAUNCHED, run.outcome());

            // While it is in flight: another firing is skipped, a queued request is deferred, a backfill runs.
            if (random.nextInt(3) == 0) {
                LaunchService.Result skipped = launch(scheduled(fired.plusSeconds(600)));
                assertEquals(LaunchService.Outcome.SKIPPED, skipped.outcome());
                assertEquals(RunState.SKIPPED, stack.record(skipped.runKey()).state());
                String messageId = "m-" + tick;
                assertThrows(RunInProgressException.class, () -> launch(queued(messageId, fired)));
                deferredQueued = messageId;
                deferredSentAt = fired;  // SentTimestamp: the same on every redelivery
            }
            if (random.nextInt(4) == 0) {
                backfill(tick);
            }
            complete(run, random.nextInt(3) != 0);
            assertNull(stack.state().inFlight(), "a finished run gives the slot back");
            finished.add(run);
            // An old run's terminal event, duplicated and delivered hours late: it changes nothing.
            LaunchService.Result old = finished.get(random.nextInt(finished.size()));
            JobState before = stack.state();
            stack.records.record(new EmrEvent(EmrEvent.Kind.CLUSTER, old.clusterId(), old.clusterName(), "TERMINATED",
                    null, null, new EmrEvent.Reason("", "")));
            assertEquals(before, stack.state(), "a late duplicate of run " + old.runKey() + " changed the job's state");
        }
        assertTiling(stack, backfills);
    }

    // ---- triggers ------------------------------------------------------------------------------------------------

    private LaunchService.Result launch(LaunchRequest request) {
        LaunchService.Result result = stack.launches.launch(request);
        if (result.outcome() == LaunchService.Outcome.LAUNCHED) {
            long open = stack.regularRuns().stream().filter(r -> !r.state().terminal()).count();
            assertEquals(1, open, "two regular runs of one incremental job in flight");
            assertEquals(request.runKey(), stack.state().inFlight());
        }
        return result;
    }

    /** A backfill of a past window: launched beside the regular run, it never moves the watermark. */
    private void backfill(int tick) {
        JobState before = stack.state();
        String runKey = "backfill-" + tick;
        LaunchService.Result r = stack.launches.launch(LaunchRequest.fromSqs("{\"job\": \"" + JOB
                + "\", \"runKey\": \"" + runKey + "\", \"window\": {\"from\": \"" + BASE + "\", \"to\": \""
                + BASE.plusSeconds(3600) + "\", \"above\": 0, \"upTo\": 2}}", "b-" + tick, null));
        assertEquals(LaunchService.Outcome.LAUNCHED, r.outcome());
        RunWindow window = stack.record(runKey).window();
        assertTrue(window.backfill());
        assertEquals(BASE, window.tables().get(TIMED).from());
        assertEquals(2L, window.tables().get(KEYED).upTo());
        backfills.add(runKey);
        stack.writeManifest(window, 2L);
        stack.succeeding.add(r.clusterId());
        stack.terminate(r.clusterId());
        deliver(r);
        assertEquals(RunState.SUCCEEDED, stack.record(runKey).state());
        assertEquals(before.tables(), stack.state().tables(), "a backfill moved the watermark");
        assertEquals(before.inFlight(), stack.state().inFlight(), "a backfill took or gave back the slot");
    }

    // ---- completions ---------------------------------------------------------------------------------------------

    private void complete(LaunchService.Result run, boolean success) {
        RunRecord record = stack.record(run.runKey());
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
            stack.writeManifest(window, highestKeyInSource > above ? highestKeyInSource : null);
            stack.succeeding.add(run.clusterId());
        }
        stack.terminate(run.clusterId());
        deliver(run);
        RunRecord after = stack.record(run.runKey());
        assertEquals(success ? RunState.SUCCEEDED : RunState.FAILED, after.state());
        if (success) {
            lastTimeMark = timed.to();
            long above = keyed.above() == null ? 0 : keyed.above();
            if (highestKeyInSource > above) {
                lastKeyMark = highestKeyInSource;
            }
        }
        JobState state = stack.state();
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
            JobState before = stack.state();
            action.run();
            assertForwards(before, stack.state());
        };
        switch (random.nextInt(4)) {
            case 0 -> watched.accept(() -> stack.records.record(terminated));
            case 1 -> {
                watched.accept(() -> stack.records.record(terminated));
                watched.accept(() -> stack.records.record(terminated));
            }
            case 2 -> {
                watched.accept(() -> stack.records.record(terminated));
                watched.accept(() -> stack.records.record(running));  // reversed: the older event arrives last
            }
            default -> watched.accept(this::reconcilePass);  // every event lost
        }
        if (random.nextBoolean()) {
            watched.accept(() -> stack.records.record(terminated));  // a very late duplicate
            watched.accept(this::reconcilePass);
        }
    }

    /** A pass in which no run failed (the reconcile reports a run's failure and goes on with the others). */
    private void reconcilePass() {
        assertEquals(List.of(), stack.reconcile.reconcile().failed());
    }

}
