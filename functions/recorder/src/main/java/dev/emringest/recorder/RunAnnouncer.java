package dev.emringest.recorder;

import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.logs.LogLine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Announces a run's recorded states as "Run State Change" events on the default bus, at least once: the record
 * counts how many of its states were announced ({@link RunRecord#announced}), and stays in the ledger's open index
 * until all were, so the reconcile sends again whatever a failed {@code PutEvents} (or a function that died after
 * writing the record) left out. A state's log line ({@code outcome} = the state) and metrics are written by the one
 * caller whose compare-and-swap recorded its announcement: once per state in the normal path, the metrics stamped
 * with the state's own time.
 */
final class RunAnnouncer {

    /** Where the events go: {@code PutEvents} on the default bus; its answer has one entry per event, in order. */
    @FunctionalInterface
    interface EventBus {
        List<PutEventsResultEntry> put(List<PutEventsRequestEntry> entries);

        /** The account's default bus, through a client built at the first announcement (not at a cold start). */
        static EventBus of(Supplier<EventBridgeClient> client) {
            return entries -> client.get().putEvents(r -> r.entries(entries)).entries();
        }
    }

    /** Where a state's metrics go: the function's log, as Embedded Metric Format lines. */
    @FunctionalInterface
    interface MetricsOut {
        void emit(String job, String runKey, Instant at, List<RunEvents.Metric> metrics);
    }

    /**
     * @param record the record after this call
     * @param sent   how many states this call announced
     * @param error  why the rest were not (EventBridge's answer), null when nothing is left
     */
    record Announced(RunRecord record, int sent, String error) {}

    private final Ledger ledger;
    private final EventBus events;
    private final String stack;
    private final MetricsOut metrics;
    private final Consumer<String> log;

    /** @param log where a line per announced state goes (JSON, as {@link LogLine} writes it) */
    RunAnnouncer(Ledger ledger, EventBus events, String stack, MetricsOut metrics, Consumer<String> log) {
        this.ledger = ledger;
        this.events = events;
        this.stack = stack;
        this.metrics = metrics;
        this.log = log;
    }

    /** Announces the states of {@code run} not announced yet. Never throws for EventBridge: the reconcile retries. */
    Announced announce(RunRecord run) {
        int from = run.announced();
        int to = run.history().size();
        if (from >= to) {
            return new Announced(run, 0, null);
        }
        List<PutEventsRequestEntry> entries = new ArrayList<>();
        for (int i = from; i < to; i++) {
            entries.add(PutEventsRequestEntry.builder().source(RunEvents.SOURCE)
                    .detailType(RunEvents.RUN_STATE_CHANGE).time(run.history().get(i).at())
                    .detail(RunEvents.detail(stack, run, i)).build());
        }
        int sent = 0;
        String error = null;
        try {
            List<PutEventsResultEntry> answers = events.put(entries);
            // Entries are answered in order; only an unbroken prefix counts, so states are announced in order.
            while (sent < entries.size() && sent < answers.size() && answers.get(sent).errorCode() == null) {
                sent++;
            }
            if (sent < entries.size()) {
                PutEventsResultEntry failed = sent < answers.size() ? answers.get(sent) : null;
                error = "PutEvents did not take " + run.history().get(from + sent).state() + ": "
                        + (failed == null ? "no answer for the entry" : failed.errorCode() + " " + failed.errorMessage());
            }
        } catch (SdkException e) {
            error = "PutEvents failed: " + e.getMessage();
        }
        if (sent == 0) {
            return new Announced(run, 0, error);
        }
        int upTo = from + sent;
        AtomicInteger before = new AtomicInteger();
        Ledger.Updated updated = ledger.update(run.job(), run.runKey(), r -> {
            before.set(r.announced());
            return r.announced() >= upTo ? r : r.withAnnounced(upTo);
        }).orElseThrow();
        RunRecord now = updated.record().value();
        if (updated.written()) {
            for (int i = before.get(); i < upTo; i++) {
                log.accept(RunEvents.logLine(now, i).json(null));
                List<RunEvents.Metric> counted = RunEvents.metrics(now, i);
                if (!counted.isEmpty()) {
                    metrics.emit(now.job(), now.runKey(), now.history().get(i).at(), counted);
                }
            }
        }
        return new Announced(now, sent, error);
    }
}
