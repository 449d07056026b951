package dev.emringest.ledger;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code state/<job>.json}: an incremental job's watermark per table and the one run that may be in flight, and for
 * every job its last success and whether it is stale. Changed only by compare-and-swap ({@link Ledger#updateState}).
 *
 * @param inFlight        the run key of the incremental run holding the job's single in-flight slot, or null
 * @param inFlightSince   when that run took the slot
 * @param lastSucceededAt when the job's latest successful run ended, null before its first
 * @param staleSince      when the job went stale (its freshness ran out), null while it is fresh
 * @param staleAnnounced  whether this stale period's "Job Stale" event was sent
 */
public record JobState(String job, Map<String, TableState> tables, String inFlight, Instant inFlightSince,
                       Instant updatedAt, Instant lastSucceededAt, Instant staleSince, boolean staleAnnounced) {

    public JobState {
        tables = tables == null ? Map.of() : Map.copyOf(new TreeMap<>(tables));
    }

    public static JobState empty(String job) {
        return new JobState(job, Map.of(), null, null, null, null, null, false);
    }

    /**
     * A table's watermark: {@code lastmodified} the end of the last successful window ({@code time}), {@code append}
     * the highest key imported ({@code key}).
     */
    public record TableState(String mode, Instant time, Long key) {}

    public TableState table(String name) {
        return tables.get(name);
    }

    public JobState holding(String runKey, Instant now) {
        return new JobState(job, tables, runKey, now, now, lastSucceededAt, staleSince, staleAnnounced);
    }

    /** The slot released, if {@code runKey} holds it; this same state otherwise. */
    public JobState released(String runKey, Instant now) {
        return runKey.equals(inFlight)
                ? new JobState(job, tables, null, null, now, lastSucceededAt, staleSince, staleAnnounced) : this;
    }

    /**
     * The watermarks moved forwards to a successful run's ends; a watermark already at or beyond them stays, so
     * recording the same success twice, or an older one late, changes nothing.
     */
    public JobState advanced(Map<String, TableState> ends, Instant now) {
        Map<String, TableState> next = new HashMap<>(tables);
        boolean moved = false;
        for (Map.Entry<String, TableState> end : ends.entrySet()) {
            TableState current = next.get(end.getKey());
            TableState proposed = end.getValue();
            if (current == null || later(proposed, current)) {
                next.put(end.getKey(), proposed);
                moved = true;
            }
        }
        return moved ? new JobState(job, next, inFlight, inFlightSince, now, lastSucceededAt, staleSince,
                staleAnnounced) : this;
    }

    /** A run of the job succeeded at {@code at}: the latest success moves forward, and a stale job is fresh again. */
    public JobState succeeded(Instant at, Instant now) {
        if (lastSucceededAt != null && !at.isAfter(lastSucceededAt)) {
            return this;
        }
        boolean recovers = staleSince != null && at.isAfter(staleSince);
        return new JobState(job, tables, inFlight, inFlightSince, now, at, recovers ? null : staleSince,
                !recovers && staleAnnounced);
    }

    /** The job went stale at {@code since}; a job already stale stays stale since then. */
    public JobState stale(Instant since, Instant now) {
        return staleSince != null ? this
                : new JobState(job, tables, inFlight, inFlightSince, now, lastSucceededAt, since, false);
    }

    /** This stale period's "Job Stale" event was sent. */
    public JobState staleAnnounced(Instant now) {
        return staleSince == null || staleAnnounced ? this
                : new JobState(job, tables, inFlight, inFlightSince, now, lastSucceededAt, staleSince, true);
    }

    private static boolean later(TableState proposed, TableState current) {
        if (proposed.time() != null) {
            return current.time() == null || proposed.time().isAfter(current.time());
        }
        if (proposed.key() != null) {
            return current.key() == null || proposed.key() > current.key();
        }
        return false;
    }
}
