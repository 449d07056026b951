package dev.emringest.launcher;

import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.launcher.ClusterRequestBuilder.Run;
import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Launches one run: read the definition, claim the run in the ledger, then start its cluster, or adopt the one
 * an earlier attempt started. A run never gets two clusters: only the holder of the claim calls RunJobFlow, and a
 * stale claim is taken over by compare-and-swap, so exactly one contender wins it.
 */
public final class LaunchService {

    /**
     * A claim younger than this may belong to an attempt that is calling RunJobFlow right now. It must exceed the
     * function timeout, after which that attempt is certainly gone.
     */
    static final Duration CLAIM_GRACE = Duration.ofMinutes(2);

    public enum Outcome { LAUNCHED, ADOPTED, ALREADY_LAUNCHED, ALREADY_ENDED }

    public record Result(Outcome outcome, String job, String runKey, String clusterId, String clusterName) {}

    private final JobDefinitionStore definitions;
    private final Ledger ledger;
    private final EmrClient emr;
    private final ClusterAssets assets;
    private final LauncherSettings settings;
    private final Clock clock;

    public LaunchService(JobDefinitionStore definitions, Ledger ledger, EmrClient emr, ClusterAssets assets,
                         LauncherSettings settings, Clock clock) {
        this.definitions = definitions;
        this.ledger = ledger;
        this.emr = emr;
        this.assets = assets;
        this.settings = settings;
        this.clock = clock;
    }

    /** Everything built from the function's environment, as Lambda starts it. */
    public static LaunchService fromEnvironment(Map<String, String> env) {
        LauncherSettings settings = LauncherSettings.fromEnvironment(env);
        return create(AwsClients.fromEnvironment(env), settings, Clock.systemUTC());
    }

    public static LaunchService create(AwsClients aws, LauncherSettings settings, Clock clock) {
        S3Client s3 = aws.s3();
        return new LaunchService(new JobDefinitionStore(aws.ssm(), settings.parameterPrefix()),
                new Ledger(s3, settings.ledgerBucket()), aws.emr(), new ClusterAssets(s3, settings.clusterBucket()),
                settings, clock);
    }

    public Result launch(LaunchRequest request) {
        JobDefinition definition = definitions.load(request.job());
        Run run = Run.of(settings.stackName(), request.job(), request.runKey());
        Ledger.Claim claim = ledger.claim(RunRecord.claim(run.job(), run.runKey(), run.clusterName(),
                definition.version(), clock.instant()));
        if (!claim.created()) {
            Optional<Result> settled = settle(claim.record(), run);
            if (settled.isPresent()) {
                return settled.get();
            }
        }
        String clusterId = emr.runJobFlow(ClusterRequestBuilder.build(definition, run, settings, assets.publish()))
                .jobFlowId();
        recordLaunched(run, clusterId);
        return new Result(Outcome.LAUNCHED, run.job(), run.runKey(), clusterId, run.clusterName());
    }

    /**
     * The run was claimed before. Returns what to answer, or empty when this attempt now holds the claim and
     * no cluster of the run is active, so it must launch.
     */
    private Optional<Result> settle(Versioned<RunRecord> existing, Run run) {
        RunRecord record = existing.value();
        if (record.clusterId() != null) {
            return Optional.of(new Result(Outcome.ALREADY_LAUNCHED, run.job(), run.runKey(), record.clusterId(),
                    run.clusterName()));
        }
        if (record.state().terminal()) {
            return Optional.of(new Result(Outcome.ALREADY_ENDED, run.job(), run.runKey(), null, run.clusterName()));
        }
        Instant now = clock.instant();
        if (record.updatedAt().plus(CLAIM_GRACE).isAfter(now)) {
            throw new RunInProgressException("run " + run.job() + "/" + run.runKey()
                    + " was claimed at " + record.updatedAt() + " by another attempt that may still be launching");
        }
        if (ledger.swap(existing, record.reclaimed(now)).isEmpty()) {
            throw new RunInProgressException("run " + run.job() + "/" + run.runKey()
                    + " was taken over by another attempt");
        }
        // The attempt before may have started the cluster and died before recording it.
        Optional<String> active = activeCluster(run.clusterName(), record.createdAt());
        if (active.isPresent()) {
            recordLaunched(run, active.get());
            return Optional.of(new Result(Outcome.ADOPTED, run.job(), run.runKey(), active.get(), run.clusterName()));
        }
        return Optional.empty();
    }

    private Optional<String> activeCluster(String name, Instant claimedAt) {
        return emr.listClustersPaginator(r -> r.createdAfter(claimedAt.minus(Duration.ofMinutes(5)))
                        .clusterStates(ClusterState.STARTING, ClusterState.BOOTSTRAPPING, ClusterState.RUNNING,
                                ClusterState.WAITING, ClusterState.TERMINATING))
                .clusters().stream()
                .filter(c -> name.equals(c.name()))
                .map(ClusterSummary::id)
                .findFirst();
    }

    /** Pointer first, so an event about the cluster can always find its run once the record names the cluster. */
    private void recordLaunched(Run run, String clusterId) {
        ledger.pointCluster(new ClusterPointer(clusterId, run.job(), run.runKey()));
        Instant now = clock.instant();
        ledger.update(run.job(), run.runKey(), r -> r.clusterId() == null ? r.launched(clusterId, now) : r);
    }
}
