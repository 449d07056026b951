package dev.emringest.recorder;

import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Run announcers for the recorder's tests: to moto's default bus, keeping the metrics they emit. */
final class Announcers {

    /** A state's metrics as the announcer emitted them. */
    record Emitted(String job, String runKey, Instant at, List<RunEvents.Metric> metrics) {}

    private Announcers() {}

    static RunAnnouncer onMoto(Ledger ledger, AwsClients aws, String stack, List<Emitted> metrics,
                               List<String> lines) {
        return new RunAnnouncer(ledger, RunAnnouncer.EventBus.of(aws.lazily(AwsClients::eventBridge)), stack,
                (job, runKey, at, m) -> metrics.add(new Emitted(job, runKey, at, m)), lines::add);
    }

    static RunAnnouncer onMoto(Ledger ledger, AwsClients aws, String stack) {
        return onMoto(ledger, aws, stack, new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
    }

    static FreshnessCheck freshnessOnMoto(Ledger ledger, AwsClients aws, String stack, List<Emitted> metrics,
                                          Clock clock) {
        return new FreshnessCheck(ledger, RunAnnouncer.EventBus.of(aws.lazily(AwsClients::eventBridge)), stack,
                (job, runKey, at, m) -> metrics.add(new Emitted(job, runKey, at, m)), clock);
    }
}
