package dev.emringest.recorder;

import static dev.emringest.local.EmrEvents.clusterStateChange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.launcher.LaunchService;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import tools.jackson.databind.json.JsonMapper;

/** Duplicate, reordered and racing events: the reconcile and the events write one final record. */
class ReconcileRaceIT extends ReconcileAgainstMoto {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    // ---- 2. duplicate, reordered and racing events --------------------------------------------------------------

    @Test
    void duplicateAndReorderedEventsWriteOneFinalRecord() {
        String runKey = "dup-1";
        LaunchService.Result launched = launchedThenTerminated(runKey);
        String clusterId = launched.clusterId();
        Map<String, Object> terminated = terminatedByUser(launched);

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
        assertEquals(summary(0, 0, 0, 0, 0, 0, 0), reconcile());
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
                LaunchService.Result launched = launchedThenTerminated(runKey);
                String clusterId = launched.clusterId();
                Map<String, Object> terminated = terminatedByUser(launched);
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
        LaunchService.Result launched = launchedThenTerminated(runKey);
        Map<String, Object> terminated = terminatedByUser(launched);
        AtomicReference<Map<String, String>> eventAnswer = new AtomicReference<>();
        AtomicBoolean delivered = new AtomicBoolean();
        // The reconcile's own DescribeCluster is where the event overtakes it.
        EmrClient eventFirst = intercepting(emr, "describeCluster", () -> {
            if (delivered.compareAndSet(false, true)) {
                eventAnswer.set(event(terminated));
            }
        });
        ReconcileHandler racing = new ReconcileHandler(new ReconcileService(ledger, eventFirst, records, freshness(), clock));

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
        LaunchService.Result launched = launchedThenTerminated(runKey);
        String clusterId = launched.clusterId();
        AtomicReference<Map<String, Integer>> reconciled = new AtomicReference<>();
        AtomicBoolean ran = new AtomicBoolean();
        // The event's ListSteps (after it read the record as open) is where the reconcile overtakes it.
        EmrClient reconcileFirst = intercepting(emr, "listStepsPaginator", () -> {
            if (ran.compareAndSet(false, true)) {
                reconciled.set(reconcile());
            }
        });
        EmrEventHandler racing = new EmrEventHandler(new RecordService(ledger, reconcileFirst, ManifestReader.in(s3),
                Announcers.onMoto(ledger, MOTO.clients(), STACK), STACK, clock));
        Versioned<RunRecord> open = versioned(runKey);

        Map<String, String> answer = racing.handle(terminatedByUser(launched), context);

        assertEquals(summary(1, 1, 0, 0, 0, 0, 0), reconciled.get(), "the reconcile finalised the run");
        Versioned<RunRecord> finalRecord = versioned(runKey);
        assertNotEquals(open.etag(), finalRecord.etag());
        assertEquals(RunState.FAILED, finalRecord.value().state());
        assertEquals("", finalRecord.value().failure().code(), "the reconcile's record stands (moto gives no reason)");
        assertEquals("UNCHANGED", answer.get("outcome"),
                "the event wrote nothing (the record it answers with is the reconcile's), yet answers " + answer);
    }

    // ---- the race's tools -----------------------------------------------------------------------------------------

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

    /** The states the run's record was written with, oldest first (the bucket keeps every version). */
    private List<String> stateHistory(String runKey) {
        String key = Ledger.recordKey(JOB, runKey);
        List<ObjectVersion> versions = new ArrayList<>(s3.listObjectVersionsPaginator(r -> r.bucket(BUCKET).prefix(key))
                .versions().stream().filter(v -> v.key().equals(key)).toList());
        Collections.reverse(versions); // newest first
        List<String> states = new ArrayList<>();
        for (ObjectVersion v : versions) {
            byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key).versionId(v.versionId())).asByteArray();
            String state = JSON.readTree(bytes).path("state").asString();
            // A write that records an announcement keeps the state: one entry per state the run went through.
            if (states.isEmpty() || !states.get(states.size() - 1).equals(state)) {
                states.add(state);
            }
        }
        return states;
    }
}
