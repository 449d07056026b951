package dev.emringest.recorder;

import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.InMemoryLedgerBucket;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * The recorder and the reconcile over the in-memory ledger and {@link FakeEmr}, for the fast tests: one run of the
 * stack ({@link #JOB}/{@link #RUN_KEY}) in the states the launcher and EMR leave it, and EMR's events about it.
 */
final class FastRecorder {

    static final String STACK = "teststack";
    static final String JOB = "orders";
    static final String RUN_KEY = "2026-11-25T02:00:00Z";
    static final String NAME = RunIdentity.of(STACK, JOB, RUN_KEY).clusterName();
    static final Instant CLAIMED_AT = Instant.parse("2026-11-25T02:00:00Z");
    static final String SQOOP = "sqoop-import orders";
    static final String SPARK = "spark-load";
    static final String MANIFEST = "s3://lake/orders/run_1/_manifest.json";

    final MutableClock clock = new MutableClock(CLAIMED_AT.plus(Duration.ofMinutes(40)));
    final FakeEmr emr = new FakeEmr();
    /** The manifests the targets hold, by URI; a missing one reads as empty, as S3's reader answers. */
    final Map<String, ManifestReader.Manifest> manifests = new HashMap<>();
    final InMemoryLedgerBucket bucket = new InMemoryLedgerBucket(clock);
    final Ledger ledger = new Ledger(bucket);
    /** The events the bus took ({@code <detail-type> <detail>}), and the metrics announced states emitted. */
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Announcers.Emitted> metrics = new CopyOnWriteArrayList<>();
    /** While set, the bus answers every entry with this error code, as PutEvents does for entries it did not take. */
    volatile String busError;
    final RunAnnouncer.EventBus bus = entries -> entries.stream().map(e -> {
        if (busError != null) {
            return PutEventsResultEntry.builder().errorCode(busError).errorMessage("refused").build();
        }
        events.add(e.detailType() + " " + e.detail());
        return PutEventsResultEntry.builder().eventId("event-" + events.size()).build();
    }).toList();
    final RunAnnouncer.MetricsOut metricsOut = (job, runKey, at, m) -> metrics.add(new Announcers.Emitted(job, runKey,
            at, m));
    final List<String> lines = new CopyOnWriteArrayList<>();
    final RunAnnouncer announcer = new RunAnnouncer(ledger, bus, STACK, metricsOut, lines::add);
    /** Manifests whose read fails, as a broken document or a denied GetObject does. */
    final java.util.Set<String> unreadable = new java.util.HashSet<>();
    final RecordService records = new RecordService(ledger, emr, manifest -> {
        if (unreadable.contains(manifest)) {
            throw new IllegalStateException(manifest + ": rowCount is not an integer");
        }
        return Optional.ofNullable(manifests.get(manifest));
    }, announcer, STACK, clock);
    final ReconcileService reconcile = new ReconcileService(ledger, emr, records,
            new FreshnessCheck(ledger, bus, STACK, metricsOut, clock), clock);

    void claimed(String runKey) {
        ledger.claim(RunRecord.claim(JOB, runKey, "attempt-1", RunIdentity.of(STACK, JOB, runKey).clusterName(), "v1",
                CLAIMED_AT));
    }

    void claimed() {
        claimed(RUN_KEY);
    }

    /** A LAUNCHED record and its cluster's pointer, as the launcher and the cluster's first event leave them. */
    void launched(String runKey, String clusterId) {
        claimed(runKey);
        ledger.update(JOB, runKey, r -> r.launched(clusterId, CLAIMED_AT.plusSeconds(5)));
        ledger.pointCluster(new ClusterPointer(clusterId, JOB, runKey));
    }

    void launched(String clusterId) {
        launched(RUN_KEY, clusterId);
    }

    /** As {@link #launched}, for a regular append run holding its job's in-flight slot. */
    void launchedIncremental(String runKey, String clusterId) {
        launched(runKey, clusterId);
        RunWindow window = new RunWindow(false, Map.of("events",
                new RunWindow.TableWindow("append", "id", null, null, 100L, null, MANIFEST)));
        ledger.update(JOB, runKey, r -> r.withWindow(window));
        ledger.updateState(JOB, s -> s.holding(runKey, CLAIMED_AT));
    }

    void launchedIncremental(String clusterId) {
        launchedIncremental(RUN_KEY, clusterId);
    }

    /** An append run whose cluster ended with every step COMPLETED, and whose manifest is not in the target. */
    void succeededWithoutItsManifest(String runKey, String clusterId) {
        launchedIncremental(runKey, clusterId);
        cluster(runKey, clusterId, ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done",
                FakeEmr.step("s-1", SQOOP, "COMPLETED"));
    }

    /** The run's cluster as EMR reports it once it ended (or in {@code state}), with its steps in submission order. */
    void cluster(String runKey, String clusterId, ClusterState state, String code, String message,
                 StepSummary... steps) {
        emr.cluster(clusterId, STACK, JOB, runKey, state, code, message, CLAIMED_AT).steps(clusterId, steps);
    }

    void cluster(String clusterId, ClusterState state, String code, String message, StepSummary... steps) {
        cluster(RUN_KEY, clusterId, state, code, message, steps);
    }

    static EmrEvent terminated(String clusterId, String code, String message) {
        return new EmrEvent(EmrEvent.Kind.CLUSTER, clusterId, NAME, "TERMINATED", null, null,
                new EmrEvent.Reason(code, message));
    }

    static EmrEvent clusterEvent(String clusterId, String state) {
        return new EmrEvent(EmrEvent.Kind.CLUSTER, clusterId, NAME, state, null, null, EmrEvent.Reason.NONE);
    }

    static EmrEvent stepEvent(String clusterId, String stepId, String name, String state) {
        return new EmrEvent(EmrEvent.Kind.STEP, clusterId, null, state, stepId, name, EmrEvent.Reason.NONE);
    }

    RunRecord record(String runKey) {
        return versioned(runKey).value();
    }

    RunRecord record() {
        return record(RUN_KEY);
    }

    Versioned<RunRecord> versioned(String runKey) {
        return ledger.read(JOB, runKey).orElseThrow(() -> new AssertionError("no run record for " + runKey));
    }

    Versioned<RunRecord> versioned() {
        return versioned(RUN_KEY);
    }
}
