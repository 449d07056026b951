package dev.emringest.recorder;

import dev.emringest.ledger.JobFreshness;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.Versioned;
import dev.emringest.logs.MetricLine;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Which jobs are stale: their last successful run is older than their freshness allows ({@code freshness/<job>.json},
 * written by the schedule sync from the definitions). Every reconcile pass counts each held job in the
 * {@code JobStale} metric (1 stale, 0 fresh); the first pass that finds a job stale records since when, and a
 * "Job Stale" event is sent once for that stale period (again on the next pass if EventBridge refused it). A success
 * ends the period ({@link JobState#succeeded}).
 */
final class FreshnessCheck {

    /** What a pass found: the stale jobs, and why EventBridge did not take a job's Job Stale event, by job. */
    record Found(List<String> stale, Map<String, String> unannounced) {}

    private final Ledger ledger;
    private final RunAnnouncer.EventBus events;
    private final String stack;
    private final RunAnnouncer.MetricsOut metrics;
    private final Clock clock;

    FreshnessCheck(Ledger ledger, RunAnnouncer.EventBus events, String stack, RunAnnouncer.MetricsOut metrics,
                   Clock clock) {
        this.ledger = ledger;
        this.events = events;
        this.stack = stack;
        this.metrics = metrics;
        this.clock = clock;
    }

    Found check() {
        List<String> stale = new ArrayList<>();
        Map<String, String> unannounced = new LinkedHashMap<>();
        for (String job : ledger.freshJobs()) {
            Optional<JobFreshness> freshness = ledger.freshness(job);
            if (freshness.isEmpty()) {
                continue;  // the sync removed it a moment ago
            }
            Instant now = clock.instant();
            JobState state = ledger.readState(job).map(Versioned::value).orElse(JobState.empty(job));
            Instant staleAt = freshness.get().staleAt(state.lastSucceededAt());
            boolean isStale = !now.isBefore(staleAt);
            metrics.emit(job, null, now, List.of(new RunEvents.Metric("JobStale", MetricLine.Unit.COUNT,
                    isStale ? 1 : 0)));
            if (!isStale) {
                continue;
            }
            stale.add(job);
            JobState marked = ledger.updateState(job, s -> s.stale(staleAt, now));
            if (!marked.staleAnnounced()) {
                String error = announce(freshness.get(), marked);
                if (error == null) {
                    ledger.updateState(job, s -> s.staleAnnounced(now));
                } else {
                    unannounced.put(job, error);
                }
            }
        }
        return new Found(stale, unannounced);
    }

    /** Sends the stale period's event; null when EventBridge took it, else why not. */
    private String announce(JobFreshness freshness, JobState state) {
        try {
            List<PutEventsResultEntry> answer = events.put(List.of(PutEventsRequestEntry.builder()
                    .source(RunEvents.SOURCE).detailType(RunEvents.JOB_STALE).time(state.staleSince())
                    .detail(RunEvents.jobStale(stack, freshness, state)).build()));
            if (answer.isEmpty() || answer.get(0).errorCode() != null) {
                return "PutEvents did not take the Job Stale event: "
                        + (answer.isEmpty() ? "no answer" : answer.get(0).errorCode() + " " + answer.get(0).errorMessage());
            }
            return null;
        } catch (SdkException e) {
            return "PutEvents failed: " + e.getMessage();
        }
    }
}
