package dev.emringest.recorder;

import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.Failure;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunRecord.TableOutput;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.FailureDetails;
import software.amazon.awssdk.services.emr.model.InvalidRequestException;
import software.amazon.awssdk.services.emr.model.Step;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.emr.model.Tag;

/**
 * Records what EMR says about a run. A terminal cluster state writes the final record from DescribeCluster and
 * ListSteps; step events update that step. Every write is compare-and-swap, and a final record never changes.
 */
public final class RecordService {

    private static final Set<String> TERMINAL_CLUSTER_STATES = Set.of("TERMINATED", "TERMINATED_WITH_ERRORS");

    public enum Outcome { IGNORED, UPDATED, FINAL, UNCHANGED }

    /**
     * @param record      the run record after the event, null when the event was ignored
     * @param unannounced why some of the run's states are not announced yet (the reconcile sends them); else null
     */
    public record Result(Outcome outcome, String why, RunRecord record, String unannounced) {

        Result(Outcome outcome, String why, RunRecord record) {
            this(outcome, why, record, null);
        }
    }

    private final Ledger ledger;
    private final EmrClient emr;
    private final String stackName;
    private final Clock clock;
    private final Watermarks watermarks;
    private final ManifestReader manifests;
    private final RunAnnouncer announcer;

    /**
     * @param manifests where a run's tables report their rows and an {@code append} run its highest imported key (its
     *                  target, not the ledger)
     */
    RecordService(Ledger ledger, EmrClient emr, ManifestReader manifests, RunAnnouncer announcer, String stackName,
                  Clock clock) {
        this.ledger = ledger;
        this.emr = emr;
        this.stackName = stackName;
        this.clock = clock;
        this.manifests = manifests;
        this.announcer = announcer;
        this.watermarks = new Watermarks(ledger, manifests, clock);
    }

    /** Announces what {@code run} has not announced yet; the reconcile's path for runs no event brings here. */
    RunAnnouncer.Announced announce(RunRecord run) {
        return announcer.announce(run);
    }

    /** Gives an incremental run's in-flight slot back when it ended without a cluster (LAUNCH_FAILED). */
    public void settleWithoutCluster(RunRecord run) {
        watermarks.settle(run, run.state());
    }

    public Result record(EmrEvent event) {
        if (event.kind() == EmrEvent.Kind.OTHER || event.clusterId() == null || event.state() == null) {
            return new Result(Outcome.IGNORED, "not an EMR cluster or step state change", null);
        }
        Optional<ClusterPointer> pointed = ledger.cluster(event.clusterId());
        Optional<ClusterPointer> run;
        try {
            run = pointed.isPresent() ? pointed : tagged(event);
        } catch (InvalidRequestException e) {
            // EMR in this account and region has no such cluster: e.g. an event forwarded from another account by a
            // central bus. Retrying cannot change that answer, so it is ignored rather than failed into the DLQ.
            return new Result(Outcome.IGNORED, "EMR does not know cluster " + event.clusterId() + " here ("
                    + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage()) + ")", null);
        }
        if (run.isEmpty()) {
            return new Result(Outcome.IGNORED, "cluster " + event.clusterId() + " was not launched by stack "
                    + stackName, null);
        }
        Result result = apply(run.get(), event);
        if (pointed.isEmpty() && result.outcome() != Outcome.IGNORED) {
            // The cluster's first event found its run by the cluster's tags; the next ones read the pointer.
            ledger.pointCluster(run.get());
        }
        return result;
    }

    /** Finalises a run whose cluster has ended, exactly as its terminal event would; the reconcile's path. */
    public Result finalise(ClusterPointer pointer) {
        return apply(pointer, new EmrEvent(EmrEvent.Kind.CLUSTER, pointer.clusterId(), null, "TERMINATED", null,
                null, EmrEvent.Reason.NONE));
    }

    private Result apply(ClusterPointer pointer, EmrEvent event) {
        Optional<Versioned<RunRecord>> before = ledger.read(pointer.job(), pointer.runKey());
        if (before.isEmpty()) {
            return new Result(Outcome.IGNORED, "cluster " + event.clusterId() + " names run " + pointer.job() + "/"
                    + pointer.runKey() + ", which has no record", null);
        }
        RunRecord current = before.get().value();
        if (current.clusterId() != null && !current.clusterId().equals(pointer.clusterId())) {
            // Only the run's own cluster decides its outcome; another one tagged for it is a duplicate.
            return new Result(Outcome.IGNORED, "cluster " + pointer.clusterId() + " is not the cluster of run "
                    + pointer.job() + "/" + pointer.runKey() + " (" + current.clusterId() + "): a duplicate", null);
        }
        if (current.state().terminal()) {
            return announced(new Result(Outcome.UNCHANGED, "run is final", current));
        }
        UnaryOperator<RunRecord> change;
        if (event.kind() == EmrEvent.Kind.STEP) {
            change = stepChange(event, pointer.clusterId());
        } else if (TERMINAL_CLUSTER_STATES.contains(event.state())) {
            Ending ending = ending(pointer.clusterId(), event.reason());
            // The job's state first: once the record is final, its watermark and slot are settled.
            watermarks.settle(current, ending.state());
            // Succeeded or not, each table's manifest says what became of it: one table's failure hides no other.
            List<TableOutput> outputs = rowsWritten(current.tables(), ending.state() == RunState.SUCCEEDED);
            change = r -> closedTo(r, pointer.clusterId()) ? r : withCluster(r, pointer.clusterId())
                    .ended(ending.state(), ending.steps(), ending.failure(), clock.instant())
                    .withOutputs(outputs, ending.normalizedInstanceHours());
        } else {
            change = r -> closedTo(r, pointer.clusterId()) || !r.state().precedes(RunState.RUNNING) ? r
                    : withCluster(r, pointer.clusterId()).running(clock.instant());
        }
        Ledger.Updated after = ledger.update(pointer.job(), pointer.runKey(), change).orElseThrow();
        RunRecord now = after.record().value();
        if (!after.written()) {
            return announced(new Result(Outcome.UNCHANGED, "record already says " + now.state(), now));
        }
        return announced(new Result(now.state().terminal() ? Outcome.FINAL : Outcome.UPDATED, "state " + now.state(),
                now));
    }

    /** The result once the run's states not announced yet were (or why not: the reconcile sends them later). */
    private Result announced(Result result) {
        RunAnnouncer.Announced announced = announcer.announce(result.record());
        return new Result(result.outcome(), result.why(), announced.record(), announced.error());
    }

    /**
     * Each table's rows and, for an Iceberg table, its commit, or why it failed, from the manifest its Spark
     * application wrote; null for a table whose manifest is not there (or does not say). The catalog table named in
     * the claim is kept. A failed run is recorded even when a manifest cannot be read (the table says why); a
     * succeeded one waits until it can be.
     */
    private List<TableOutput> rowsWritten(List<TableOutput> tables, boolean succeeded) {
        List<TableOutput> counted = new ArrayList<>();
        for (TableOutput t : tables) {
            Optional<ManifestReader.Manifest> manifest;
            try {
                manifest = manifests.read(t.manifest());
            } catch (RuntimeException e) {
                if (succeeded) {
                    throw e;
                }
                counted.add(new TableOutput(t.name(), t.manifest(), null, t.catalogTable(), null,
                        "its manifest could not be read: " + e.getMessage()));
                continue;
            }
            counted.add(new TableOutput(t.name(), t.manifest(),
                    manifest.map(ManifestReader.Manifest::rowCount).orElse(null), t.catalogTable(),
                    manifest.map(ManifestReader.Manifest::commit).orElse(null),
                    manifest.map(ManifestReader.Manifest::error).orElse(null)));
        }
        return counted;
    }

    /**
     * The run a cluster without a pointer belongs to, from the cluster's own tags if this stack made it. The launcher
     * writes no pointer (one call fewer per launch): the first event of each cluster comes here.
     */
    private Optional<ClusterPointer> tagged(EmrEvent event) {
        if (event.kind() == EmrEvent.Kind.CLUSTER && (event.clusterName() == null
                || !event.clusterName().startsWith(RunIdentity.clusterNamePrefix(stackName)))) {
            return Optional.empty();
        }
        Cluster cluster = emr.describeCluster(r -> r.clusterId(event.clusterId())).cluster();
        String stack = tag(cluster, RunIdentity.TAG_STACK);
        String job = tag(cluster, RunIdentity.TAG_JOB);
        String runKey = tag(cluster, RunIdentity.TAG_RUN_KEY);
        if (!stackName.equals(stack) || job == null || runKey == null) {
            return Optional.empty();
        }
        return Optional.of(new ClusterPointer(event.clusterId(), job, runKey));
    }

    private static String tag(Cluster cluster, String key) {
        return cluster.tags().stream().filter(t -> key.equals(t.key())).map(Tag::value).findFirst().orElse(null);
    }

    private UnaryOperator<RunRecord> stepChange(EmrEvent event, String clusterId) {
        StepOutcome step = "FAILED".equals(event.state())
                ? outcome(emr.describeStep(r -> r.clusterId(clusterId).stepId(event.stepId())).step())
                : new StepOutcome(event.stepId(), event.stepName(), event.state(), null, null, null);
        return r -> closedTo(r, clusterId) ? r : withCluster(r, clusterId).withStep(step, clock.instant());
    }

    private record Ending(RunState state, List<StepOutcome> steps, Failure failure, Long normalizedInstanceHours) {}

    private Ending ending(String clusterId, EmrEvent.Reason eventReason) {
        Cluster cluster = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        List<StepOutcome> steps = new ArrayList<>();
        for (StepSummary summary : emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps()) {
            steps.add(outcome(summary));
        }
        Collections.reverse(steps); // ListSteps answers newest first
        boolean succeeded = !steps.isEmpty() && steps.stream().allMatch(s -> "COMPLETED".equals(s.state()));
        Failure failure = null;
        if (!succeeded) {
            var reason = cluster.status() == null ? null : cluster.status().stateChangeReason();
            String code = reason == null || reason.codeAsString() == null ? "" : reason.codeAsString();
            String message = reason == null || reason.message() == null ? "" : reason.message();
            if (code.isEmpty() && message.isEmpty()) {
                code = eventReason.code();
                message = eventReason.message();
            }
            StepOutcome failed = steps.stream().filter(s -> "FAILED".equals(s.state())).findFirst().orElse(null);
            if (code.isEmpty() && message.isEmpty()) {
                message = steps.isEmpty() ? "the cluster ended without running any step"
                        : "EMR gave no reason; not every step completed (see steps)";
            }
            failure = new Failure(code, message, failed == null ? null : failed.name());
        }
        Integer hours = cluster.normalizedInstanceHours();
        return new Ending(succeeded ? RunState.SUCCEEDED : RunState.FAILED, steps, failure,
                hours == null ? null : hours.longValue());
    }

    /** Re-checked inside each compare-and-swap: the record may have moved since it was first read. */
    private static boolean closedTo(RunRecord r, String clusterId) {
        return r.state().terminal() || (r.clusterId() != null && !r.clusterId().equals(clusterId));
    }

    /** A record still CLAIMED when the event arrives learns its cluster from the event. */
    private RunRecord withCluster(RunRecord r, String clusterId) {
        return r.clusterId() != null ? r : r.launched(clusterId, clock.instant());
    }

    private static StepOutcome outcome(StepSummary s) {
        return outcome(s.id(), s.name(), s.status() == null ? null : s.status().stateAsString(),
                s.status() == null ? null : s.status().failureDetails());
    }

    private static StepOutcome outcome(Step s) {
        return outcome(s.id(), s.name(), s.status() == null ? null : s.status().stateAsString(),
                s.status() == null ? null : s.status().failureDetails());
    }

    private static StepOutcome outcome(String id, String name, String state, FailureDetails failure) {
        return new StepOutcome(id, name, state, failure == null ? null : failure.reason(),
                failure == null ? null : failure.message(), failure == null ? null : failure.logFile());
    }
}
