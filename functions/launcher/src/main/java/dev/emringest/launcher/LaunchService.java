package dev.emringest.launcher;

import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionException;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.launcher.ClusterRequestBuilder.Run;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Launches one run: claim it in the ledger, then start its cluster, or adopt the one an earlier attempt started.
 * A run never gets two clusters: only the attempt holding the claim calls RunJobFlow, RunJobFlow is never retried
 * when its outcome is unknown, and a stale claim is taken over by compare-and-swap (exactly one contender wins),
 * which first looks for a cluster of the run's name.
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
    private final EmrClient launches;
    private final ClusterAssets assets;
    private final LauncherSettings settings;
    private final Clock clock;

    /** @param launches the EMR client for RunJobFlow, which must not retry a call whose outcome is unknown */
    public LaunchService(JobDefinitionStore definitions, Ledger ledger, EmrClient emr, EmrClient launches,
                         ClusterAssets assets, LauncherSettings settings, Clock clock) {
        this.definitions = definitions;
        this.ledger = ledger;
        this.emr = emr;
        this.launches = launches;
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
                new Ledger(s3, settings.ledgerBucket()), aws.emr(), aws.emrWithoutBlindRetries(),
                new ClusterAssets(s3, settings.clusterBucket()), settings, clock);
    }

    /**
     * SnapStart priming: runs what a launch runs except its AWS calls (request parsing, definition parsing and
     * validation, the RunJobFlow request, ledger records), so the snapshot holds those classes loaded and
     * initialised. It calls no AWS API, resolves no credentials and creates nothing unique (no attempt id, no
     * random value, no clock reading) that every restored instance would then share.
     */
    public void prime() {
        LaunchRequest request = LaunchRequest.fromSchedule(Map.of("job", "priming", "scheduledTime", "1970-01-01T00:00:00Z"));
        Run run = Run.of(settings.stackName(), request.job(), request.runKey());
        ClusterRequestBuilder.build(definitions.prime(), run, settings,
                new ClusterAssets.Published("s3://priming/a", "s3://priming/b", "s3://priming/c", "s3://priming/d",
                        "s3://priming/e"));
        Ledger.prime();
        LaunchLog.launched(new Result(Outcome.LAUNCHED, run.job(), run.runKey(), "j-PRIMING", run.clusterName()));
    }

    public Result launch(LaunchRequest request) {
        Run run = Run.of(settings.stackName(), request.job(), request.runKey());
        Optional<Versioned<RunRecord>> existing = ledger.read(run.job(), run.runKey());
        Optional<Result> settled = existing.flatMap(r -> settled(r.value(), run));
        if (settled.isPresent()) {
            return settled.get();
        }
        String attempt = UUID.randomUUID().toString();
        JobDefinition definition = definition(run, attempt, existing.isEmpty());

        Versioned<RunRecord> held;
        boolean takenOver = true;
        if (existing.isEmpty()) {
            Ledger.Claim claim = ledger.claim(RunRecord.claim(run.job(), run.runKey(), attempt, run.clusterName(),
                    definition.version(), clock.instant()));
            if (claim.created()) {
                held = claim.record();
                takenOver = false;
            } else {
                settled = settled(claim.record().value(), run);
                if (settled.isPresent()) {
                    return settled.get();
                }
                held = takeOver(claim.record(), run, attempt, definition);
            }
        } else {
            held = takeOver(existing.get(), run, attempt, definition);
        }
        if (takenOver) {
            // The attempt before may have started the cluster and died, or lost RunJobFlow's answer.
            Optional<String> found = RunClusters.named(emr, run.clusterName(), held.value().createdAt(),
                    RunClusters.ACTIVE).map(c -> c.id());
            if (found.isPresent()) {
                ledger.markLaunched(run.job(), run.runKey(), found.get(), clock.instant());
                return new Result(Outcome.ADOPTED, run.job(), run.runKey(), found.get(), run.clusterName());
            }
        }
        String clusterId = startCluster(run, attempt, definition, held.value().createdAt());
        ledger.markLaunched(run.job(), run.runKey(), clusterId, clock.instant());
        return new Result(Outcome.LAUNCHED, run.job(), run.runKey(), clusterId, run.clusterName());
    }

    /** The answer for a run that needs no launch: its cluster is known, or it ended after running. */
    private static Optional<Result> settled(RunRecord record, Run run) {
        if (record.clusterId() != null) {
            return Optional.of(new Result(Outcome.ALREADY_LAUNCHED, run.job(), run.runKey(), record.clusterId(),
                    run.clusterName()));
        }
        if (record.state().terminal() && record.state() != RunState.LAUNCH_FAILED) {
            return Optional.of(new Result(Outcome.ALREADY_ENDED, run.job(), run.runKey(), null, run.clusterName()));
        }
        return Optional.empty();
    }

    /** The job's definition; an invalid one fails the run for good (LAUNCH_FAILED) until the definition is fixed. */
    private JobDefinition definition(Run run, String attempt, boolean unrecorded) {
        try {
            return definitions.load(run.job());
        } catch (JobDefinitionException e) {
            if (unrecorded) {
                ledger.claim(RunRecord.launchFailed(run.job(), run.runKey(), attempt, run.clusterName(),
                        new RunRecord.Failure(RunRecord.INVALID_DEFINITION, e.getMessage(), null), clock.instant()));
            }
            throw e;
        }
    }

    /**
     * Takes over a claim that no live attempt holds: a CLAIMED record older than the grace period, or a run that
     * failed to launch and is requested again. Exactly one contender's compare-and-swap succeeds.
     */
    private Versioned<RunRecord> takeOver(Versioned<RunRecord> existing, Run run, String attempt,
                                          JobDefinition definition) {
        RunRecord record = existing.value();
        Instant now = clock.instant();
        if (record.state() == RunState.CLAIMED && record.updatedAt().plus(CLAIM_GRACE).isAfter(now)) {
            throw new RunInProgressException("run " + run.job() + "/" + run.runKey() + " was claimed at "
                    + record.updatedAt() + " by another attempt that may still be launching");
        }
        return ledger.swap(existing, record.reclaimed(attempt, definition.version(), now))
                .orElseThrow(() -> new RunInProgressException("run " + run.job() + "/" + run.runKey()
                        + " was taken over by another attempt"));
    }

    /**
     * RunJobFlow, retried only on throttling. When EMR rejects the request (a 4xx other than throttling), nothing was
     * started and retrying cannot help: the run is LAUNCH_FAILED with EMR's reason. Any other failure may have
     * started the cluster: the claim stays, and the next attempt adopts what it finds.
     */
    private String startCluster(Run run, String attempt, JobDefinition definition, Instant claimedAt) {
        try {
            return launches.runJobFlow(ClusterRequestBuilder.build(definition, run, claimedAt, settings,
                            assets.publish()))
                    .jobFlowId();
        } catch (AwsServiceException e) {
            if (e.statusCode() >= 400 && e.statusCode() < 500 && !RetryUtils.isThrottlingException(e)) {
                String code = e.awsErrorDetails() == null ? "EMR_REJECTED" : e.awsErrorDetails().errorCode();
                ledger.update(run.job(), run.runKey(), r -> attempt.equals(r.attempt()) && r.clusterId() == null
                        ? r.ended(RunState.LAUNCH_FAILED, r.steps(), new RunRecord.Failure(code,
                                e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage(), null),
                                clock.instant())
                        : r);
            }
            throw e;
        }
    }
}
