package dev.emringest.recorder;

import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.ClusterSummary;

/**
 * Finalises runs whose EMR events were lost (EMR delivers them best effort). It reads only the ledger's index of
 * open runs, asks EMR about each, and records what the event path would have. Running it again changes nothing.
 */
public final class ReconcileService {

    /**
     * A claim without a cluster this old is stuck: longer than the launch queue's whole retry horizon (5 receives x
     * 6 min visibility), so no redelivery of its request is still on the way.
     */
    static final Duration STUCK_AFTER = Duration.ofMinutes(45);
    private static final Set<ClusterState> ENDED = EnumSet.of(ClusterState.TERMINATED,
            ClusterState.TERMINATED_WITH_ERRORS);

    /** What one pass did. */
    public record Summary(int open, int finalised, int adopted, int launchFailed, int closed, int unchanged) {}

    private final Ledger ledger;
    private final EmrClient emr;
    private final RecordService records;
    private final Clock clock;

    public ReconcileService(Ledger ledger, EmrClient emr, RecordService records, Clock clock) {
        this.ledger = ledger;
        this.emr = emr;
        this.records = records;
        this.clock = clock;
    }

    public static ReconcileService fromEnvironment(Map<String, String> env) {
        RecordService.Settings settings = RecordService.Settings.fromEnvironment(env);
        AwsClients aws = AwsClients.fromEnvironment(env);
        Ledger ledger = new Ledger(aws.s3(), settings.ledgerBucket());
        EmrClient emr = aws.emr();
        return new ReconcileService(ledger, emr, new RecordService(ledger, emr, settings.stackName(), Clock.systemUTC()),
                Clock.systemUTC());
    }

    public Summary reconcile() {
        int finalised = 0;
        int adopted = 0;
        int launchFailed = 0;
        int closed = 0;
        int unchanged = 0;
        List<Ledger.OpenRun> open = ledger.openRuns();
        Instant stuckBefore = clock.instant().minus(STUCK_AFTER);
        for (Ledger.OpenRun run : open) {
            Optional<Versioned<RunRecord>> found = ledger.read(run.job(), run.runKey());
            if (found.isEmpty()) {
                // The marker is written before the claim: a claim that never followed leaves it behind.
                if (run.since().isBefore(stuckBefore)) {
                    ledger.closeOpen(run.job(), run.runKey());
                    closed++;
                } else {
                    unchanged++;
                }
                continue;
            }
            RunRecord record = found.get().value();
            if (record.state().terminal()) {
                ledger.closeOpen(run.job(), run.runKey());
                closed++;
            } else if (record.clusterId() != null) {
                ClusterState state = emr.describeCluster(r -> r.clusterId(record.clusterId())).cluster().status().state();
                if (ENDED.contains(state) && records.finalise(new ClusterPointer(record.clusterId(), run.job(),
                        run.runKey())).outcome() == RecordService.Outcome.FINAL) {
                    finalised++;
                } else {
                    unchanged++;
                }
            } else if (record.updatedAt().isBefore(stuckBefore)) {
                Optional<ClusterSummary> cluster = RunClusters.named(emr, record.clusterName(), record.createdAt(),
                        EnumSet.allOf(ClusterState.class).stream().filter(s -> s != ClusterState.UNKNOWN_TO_SDK_VERSION)
                                .toList());
                if (cluster.isPresent()) {
                    boolean adoptedHere = ledger.markLaunched(run.job(), run.runKey(), cluster.get().id(),
                            clock.instant()).map(Ledger.Updated::written).orElse(false);
                    boolean finalisedHere = ENDED.contains(cluster.get().status().state())
                            && records.finalise(new ClusterPointer(cluster.get().id(), run.job(), run.runKey()))
                                    .outcome() == RecordService.Outcome.FINAL;
                    adopted += adoptedHere ? 1 : 0;
                    finalised += finalisedHere ? 1 : 0;
                    unchanged += adoptedHere || finalisedHere ? 0 : 1;
                } else if (ledger.swap(found.get(), record.ended(RunState.LAUNCH_FAILED, record.steps(),
                        new RunRecord.Failure(RunRecord.NO_CLUSTER, "no attempt started a cluster within "
                                + STUCK_AFTER.toMinutes() + " minutes of the claim; look for the launch request in "
                                + "the dead-letter queue", null), clock.instant())).isPresent()) {
                    records.settleWithoutCluster(ledger.read(run.job(), run.runKey()).orElseThrow().value());
                    launchFailed++;
                } else {
                    unchanged++;
                }
            } else {
                unchanged++;
            }
        }
        return new Summary(open.size(), finalised, adopted, launchFailed, closed, unchanged);
    }
}
