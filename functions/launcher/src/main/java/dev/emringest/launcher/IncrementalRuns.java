package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.Versioned;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * What only incremental jobs decide, against the ledger: the job's single in-flight slot (a regular run holds it
 * until its outcome moves the watermark; a backfill never takes it), and the window a run imports, which
 * {@link Windows} computes and the claim fixes.
 */
final class IncrementalRuns {

    private final Ledger ledger;
    private final Clock clock;

    IncrementalRuns(Ledger ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    /**
     * The run's window, fixed before its cluster starts: the one already recorded for a run still open (a retry
     * imports exactly what the first attempt would have), else a fresh one. Null for a job imported whole.
     *
     * @param regular whether the run holds the job's slot (not a backfill)
     */
    RunWindow window(LaunchRequest request, RunIdentity run, JobDefinition definition, boolean regular,
                     Instant claimedAt, RunRecord recorded) {
        if (!definition.incremental()) {
            return null;
        }
        if (recorded != null && recorded.window() != null && !recorded.state().terminal()) {
            return recorded.window();
        }
        if (!regular) {
            return Windows.backfill(definition, request.window(), run, claimedAt);
        }
        JobState state = ledger.readState(run.job()).map(Versioned::value).orElse(JobState.empty(run.job()));
        Instant trigger = request.triggerTime() != null ? request.triggerTime() : claimedAt;
        return Windows.regular(definition, state, trigger, run, claimedAt);
    }

    /**
     * Takes the job's in-flight slot by compare-and-swap, or keeps it if this run holds it already. A holder whose
     * run has ended (its outcome is in the state before its record is final), or which never wrote its claim within
     * the grace period, is gone: its slot is taken over.
     */
    boolean takeSlot(RunIdentity run, Instant now) {
        JobState state = ledger.updateState(run.job(), s -> {
            if (run.runKey().equals(s.inFlight())) {
                return s;
            }
            if (s.inFlight() == null || holderGone(run.job(), s, now)) {
                return s.holding(run.runKey(), now);
            }
            return s;
        });
        return run.runKey().equals(state.inFlight());
    }

    private boolean holderGone(String job, JobState state, Instant now) {
        Optional<Versioned<RunRecord>> holder = ledger.read(job, state.inFlight());
        if (holder.isPresent()) {
            return holder.get().value().state().terminal();
        }
        return state.inFlightSince() == null || state.inFlightSince().plus(LaunchService.CLAIM_GRACE).isBefore(now);
    }

    /** The run key holding the job's slot, if any. */
    String slotHolder(String job) {
        return ledger.readState(job).map(s -> s.value().inFlight()).orElse(null);
    }

    /** After a failed launch: a run that ended without a cluster gives the slot back; one that may still launch keeps it. */
    void releaseIfEnded(RunIdentity run) {
        ledger.read(run.job(), run.runKey()).filter(r -> r.value().state().terminal())
                .ifPresent(r -> ledger.updateState(run.job(), s -> s.released(run.runKey(), clock.instant())));
    }
}
