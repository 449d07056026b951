package dev.emringest.recorder;

import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import software.amazon.awssdk.services.emr.model.ClusterState;

/**
 * What the reconcile does with one open run, decided from the ledger's record, what EMR says and the time alone: no
 * call, no write. {@link ReconcileService} reads the record, asks EMR what {@link #question} names, and applies the
 * {@link #decide decision}.
 *
 * @param stuckAfter how old a claim without a cluster (or an index entry without a record) must be to act on it
 */
record ReconcileRules(Duration stuckAfter) {

    /** What EMR must be asked about a run before deciding. */
    enum Question { NONE, RECORDED_CLUSTER, CLUSTER_BY_NAME }

    /** A cluster as EMR reports it: the run's recorded one, or one found by the run's cluster name. */
    record Seen(String clusterId, ClusterState state) {
        boolean ended() {
            return state == ClusterState.TERMINATED || state == ClusterState.TERMINATED_WITH_ERRORS;
        }
    }

    sealed interface Decision permits Finalise, Adopt, FailLaunch, Close, Unchanged {}

    /** The run's cluster ended and its terminal event was lost: record the outcome as that event would have. */
    record Finalise(String clusterId) implements Decision {}

    /** A stuck claim whose cluster EMR knows by name: record it as the run's, and finalise the run if it ended. */
    record Adopt(String clusterId, boolean ended) implements Decision {}

    /** A stuck claim without a cluster: no attempt is still on the way to start one. */
    record FailLaunch(RunRecord.Failure failure) implements Decision {}

    /** The index entry goes: its run is final, or it is the marker of a claim that never followed. */
    record Close(String why) implements Decision {}

    record Unchanged(String why) implements Decision {}

    Question question(RunRecord run, Instant now) {
        if (run == null || run.state().terminal()) {
            return Question.NONE;
        }
        if (run.clusterId() != null) {
            return Question.RECORDED_CLUSTER;
        }
        return stuck(run.updatedAt(), now) ? Question.CLUSTER_BY_NAME : Question.NONE;
    }

    /**
     * @param run  the run's record; null when there is none (the index entry is written before the claim)
     * @param seen what EMR answered to {@link #question}; empty when it was not asked or found no cluster
     */
    Decision decide(Ledger.OpenRun entry, RunRecord run, Optional<Seen> seen, Instant now) {
        if (run == null) {
            return stuck(entry.since(), now) ? new Close("no claim followed the index entry")
                    : new Unchanged("the claim may still follow its index entry");
        }
        if (run.state().terminal()) {
            return run.fullyAnnounced() ? new Close("the run is " + run.state())
                    : new Unchanged("the run is " + run.state() + "; its states are announced next");
        }
        return switch (question(run, now)) {
            case RECORDED_CLUSTER -> seen.filter(Seen::ended).<Decision>map(c -> new Finalise(c.clusterId()))
                    .orElse(new Unchanged("its cluster has not ended"));
            case CLUSTER_BY_NAME -> seen.<Decision>map(c -> new Adopt(c.clusterId(), c.ended()))
                    .orElse(new FailLaunch(new RunRecord.Failure(RunRecord.NO_CLUSTER, "no attempt started a cluster"
                            + " within " + stuckAfter.toMinutes() + " minutes of the claim; look for the launch"
                            + " request in the dead-letter queue", null)));
            case NONE -> new Unchanged("a young claim: its launch may still be under way");
        };
    }

    private boolean stuck(Instant since, Instant now) {
        return since.isBefore(now.minus(stuckAfter));
    }
}
