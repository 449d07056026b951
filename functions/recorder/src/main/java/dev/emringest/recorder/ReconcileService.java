package dev.emringest.recorder;

import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.recorder.ReconcileRules.Adopt;
import dev.emringest.recorder.ReconcileRules.Close;
import dev.emringest.recorder.ReconcileRules.Decision;
import dev.emringest.recorder.ReconcileRules.FailLaunch;
import dev.emringest.recorder.ReconcileRules.Finalise;
import dev.emringest.recorder.ReconcileRules.Seen;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;

/**
 * Finalises runs whose EMR events were lost (EMR delivers them best effort), announces the states no event announced,
 * and checks the jobs' freshness. It reads only the ledger's index of open runs; for each it asks EMR what
 * {@link ReconcileRules} needs, takes the rules' decision and applies it here.
 * Running it again changes nothing. A run whose reconcile fails (e.g. a succeeded append run whose manifest is
 * missing) is reported in the summary, and the pass goes on with the others.
 */
public final class ReconcileService {

    /**
     * A claim without a cluster this old is stuck: longer than the launch queue's whole retry horizon (5 receives x
     * 6 min visibility), so no redelivery of its request is still on the way.
     */
    static final Duration STUCK_AFTER = Duration.ofMinutes(45);
    private static final List<ClusterState> ANY_STATE = EnumSet.allOf(ClusterState.class).stream()
            .filter(s -> s != ClusterState.UNKNOWN_TO_SDK_VERSION).toList();

    /** What applying a decision wrote; a run whose decision wrote nothing counts as unchanged. */
    enum Effect { FINALISED, ADOPTED, LAUNCH_FAILED, CLOSED, ANNOUNCED }

    /** An open run whose reconcile threw: {@code reason} is the exception's message. */
    public record Failed(String job, String runKey, String reason) {}

    /** What one pass did; {@code failed} runs count in {@code open} and in no other count. */
    public record Summary(int open, int finalised, int adopted, int launchFailed, int closed, int announced,
                          int unchanged, int stale, List<Failed> failed) {

        /**
         * @param done  each reconciled run's effects (an adopted run may also be finalised in the same pass)
         * @param stale how many jobs are stale
         */
        static Summary of(int open, List<Set<Effect>> done, int stale, List<Failed> failed) {
            return new Summary(open, count(done, Effect.FINALISED), count(done, Effect.ADOPTED),
                    count(done, Effect.LAUNCH_FAILED), count(done, Effect.CLOSED), count(done, Effect.ANNOUNCED),
                    (int) done.stream().filter(Set::isEmpty).count(), stale, List.copyOf(failed));
        }

        private static int count(List<Set<Effect>> done, Effect effect) {
            return (int) done.stream().filter(e -> e.contains(effect)).count();
        }
    }

    private final Ledger ledger;
    private final EmrClient emr;
    private final RecordService records;
    private final FreshnessCheck freshness;
    private final Clock clock;
    private final ReconcileRules rules = new ReconcileRules(STUCK_AFTER);

    ReconcileService(Ledger ledger, EmrClient emr, RecordService records, FreshnessCheck freshness, Clock clock) {
        this.ledger = ledger;
        this.emr = emr;
        this.records = records;
        this.freshness = freshness;
        this.clock = clock;
    }

    public Summary reconcile() {
        List<Ledger.OpenRun> open = ledger.openRuns();
        List<Set<Effect>> done = new ArrayList<>();
        List<Failed> failed = new ArrayList<>();
        for (Ledger.OpenRun entry : open) {
            try {
                done.add(reconcile(entry));
            } catch (RuntimeException e) {
                // One run's trouble is its own: the runs after it are still reconciled in this pass.
                failed.add(new Failed(entry.job(), entry.runKey(), String.valueOf(e.getMessage())));
            }
        }
        FreshnessCheck.Found found = freshness.check();
        found.unannounced().forEach((job, why) -> failed.add(new Failed(job, null, why)));
        return Summary.of(open.size(), done, found.stale().size(), failed);
    }

    /**
     * The run's decision applied, then its states not announced yet announced (the launcher announces nothing: a run
     * it ended, LAUNCH_FAILED or SKIPPED, is announced here). An announcement EventBridge refused fails this run.
     */
    private Set<Effect> reconcile(Ledger.OpenRun entry) {
        Set<Effect> effects = decideAndApply(entry);
        Optional<Versioned<RunRecord>> after = ledger.read(entry.job(), entry.runKey());
        if (after.isPresent() && !after.get().value().fullyAnnounced()) {
            RunAnnouncer.Announced announced = records.announce(after.get().value());
            addIf(effects, Effect.ANNOUNCED, announced.sent() > 0);
            if (announced.error() != null) {
                throw new IllegalStateException(announced.error());
            }
        }
        return effects;
    }

    private Set<Effect> decideAndApply(Ledger.OpenRun entry) {
        Instant now = clock.instant();
        Optional<Versioned<RunRecord>> found = ledger.read(entry.job(), entry.runKey());
        RunRecord run = found.map(Versioned::value).orElse(null);
        Optional<Seen> seen = switch (rules.question(run, now)) {
            case NONE -> Optional.empty();
            case RECORDED_CLUSTER -> Optional.of(new Seen(run.clusterId(),
                    emr.describeCluster(r -> r.clusterId(run.clusterId())).cluster().status().state()));
            case CLUSTER_BY_NAME -> RunClusters.named(emr, run.clusterName(), run.createdAt(), ANY_STATE)
                    .map(c -> new Seen(c.id(), c.status().state()));
        };
        return apply(entry, found, rules.decide(entry, run, seen, now));
    }

    /** The one place the reconcile writes; each write is the ledger's compare-and-swap, so a lost race does nothing. */
    private Set<Effect> apply(Ledger.OpenRun entry, Optional<Versioned<RunRecord>> found, Decision decision) {
        Set<Effect> effects = EnumSet.noneOf(Effect.class);
        if (decision instanceof Close) {
            ledger.closeOpen(entry.job(), entry.runKey());
            effects.add(Effect.CLOSED);
        } else if (decision instanceof Finalise finalise) {
            addIf(effects, Effect.FINALISED, finalised(entry, finalise.clusterId()));
        } else if (decision instanceof Adopt adopt) {
            addIf(effects, Effect.ADOPTED, ledger.markLaunched(entry.job(), entry.runKey(), adopt.clusterId(),
                    clock.instant()).map(Ledger.Updated::written).orElse(false));
            addIf(effects, Effect.FINALISED, adopt.ended() && finalised(entry, adopt.clusterId()));
        } else if (decision instanceof FailLaunch fail) {
            RunRecord run = found.orElseThrow().value();
            Optional<Versioned<RunRecord>> ended = ledger.swap(found.get(), run.ended(RunState.LAUNCH_FAILED,
                    run.steps(), fail.failure(), clock.instant()));
            ended.ifPresent(now -> records.settleWithoutCluster(now.value()));
            addIf(effects, Effect.LAUNCH_FAILED, ended.isPresent());
        }
        return effects;
    }

    /** Whether this pass wrote the final record (the run's own event may have got there first). */
    private boolean finalised(Ledger.OpenRun entry, String clusterId) {
        return records.finalise(new ClusterPointer(clusterId, entry.job(), entry.runKey())).outcome()
                == RecordService.Outcome.FINAL;
    }

    private static void addIf(Set<Effect> effects, Effect effect, boolean happened) {
        if (happened) {
            effects.add(effect);
        }
    }
}
