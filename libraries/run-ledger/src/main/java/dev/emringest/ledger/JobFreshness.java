package dev.emringest.ledger;

import java.time.Duration;
import java.time.Instant;

/**
 * {@code freshness/<job>.json}: how old a job's last successful run may get before the job is stale. The schedule
 * sync writes it from the job's definition (the reconcile, which reads no definition, checks it).
 *
 * @param derived whether it follows from the job's schedule rather than its declared {@code freshness}
 * @param since   when the job was first held to a freshness: a job that never succeeded is stale that long after it
 */
public record JobFreshness(String job, int maxAgeMinutes, boolean derived, Instant since) {

    public Duration maxAge() {
        return Duration.ofMinutes(maxAgeMinutes);
    }

    /** When the job goes stale without another success: {@code maxAge} after its last success (or {@code since}). */
    public Instant staleAt(Instant lastSucceededAt) {
        return (lastSucceededAt == null || lastSucceededAt.isBefore(since) ? since : lastSucceededAt).plus(maxAge());
    }
}
