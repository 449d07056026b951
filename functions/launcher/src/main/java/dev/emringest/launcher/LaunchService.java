package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionException;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.services.emr.EmrClient;

/**
 * Launches one run: claim it in the ledger, then start its cluster, or adopt the one an earlier attempt started.
 * A run never gets two clusters: only the attempt holding the claim calls RunJobFlow, RunJobFlow is never retried
 * when its outcome is unknown, and a stale claim is taken over by compare-and-swap (exactly one contender wins),
 * which first looks for a cluster of the run's name. {@link LauncherInit} builds it; {@link IncrementalRuns} makes
 * the incremental jobs' decisions.
 */
public final class LaunchService {

    /**
     * A claim younger than this may belong to an attempt that is calling RunJobFlow right now. It must exceed the
     * function timeout, after which that attempt is certainly gone.
     */
    static final Duration CLAIM_GRACE = Duration.ofMinutes(2);

    /** {@code SKIPPED}: a scheduled run of an incremental job that found another run of the job in flight. */
    public enum Outcome { LAUNCHED, ADOPTED, ALREADY_LAUNCHED, ALREADY_ENDED, SKIPPED }

    public record Result(Outcome outcome, String job, String runKey, String clusterId, String clusterName) {}

    private final JobDefinitionStore definitions;
    private final Ledger ledger;
    private final IncrementalRuns incremental;
    private final Supplier<EmrClient> emr;
    private final EmrClient launches;
    private final Supplier<ClusterAssets.Published> assets;
    private final LauncherSettings settings;
    private final Clock clock;

    /**
     * @param emr the EMR client for reads (ListClusters), needed only when a claim is taken over
     * @param launches the EMR client for RunJobFlow, which must not retry a call whose outcome is unknown
     * @param assets the published cluster assets, asked for only when a cluster is started
     */
    public LaunchService(JobDefinitionStore definitions, Ledger ledger, Supplier<EmrClient> emr, EmrClient launches,
                         Supplier<ClusterAssets.Published> assets, LauncherSettings settings, Clock clock) {
        this.definitions = definitions;
        this.ledger = ledger;
        this.incremental = new IncrementalRuns(ledger, clock);
        this.emr = emr;
        this.launches = launches;
        this.assets = assets;
        this.settings = settings;
        this.clock = clock;
    }

    public Result launch(LaunchRequest request) {
        RunIdentity run = RunIdentity.of(settings.stackName(), request.job(), request.runKey());
        String attempt = UUID.randomUUID().toString();
        JobDefinition definition;
        try {
            definition = definitions.load(run.job());
            settings.requireRunnable(definition);
        } catch (JobDefinitionException e) {
            return invalidDefinition(run, attempt, e);
        }
        if (request.window() != null && !definition.incremental()) {
            throw new InvalidRequestException("window: job '" + run.job() + "' has no incremental table");
        }
        // A job imported whole goes straight to its claim, which finds a run that exists already. An incremental job
        // reads the run first: its slot and its window depend on whether the run is new.
        Optional<Versioned<RunRecord>> existing = definition.incremental() ? ledger.read(run.job(), run.runKey())
                : Optional.empty();
        Optional<Result> settled = existing.flatMap(r -> settled(r.value(), run));
        if (settled.isPresent()) {
            return settled.get();
        }
        // A regular run of an incremental job takes the job's single in-flight slot; a backfill does not.
        boolean regular = definition.incremental() && request.window() == null;
        Instant now = clock.instant();
        if (regular && !incremental.takeSlot(run, now)) {
            return busy(request, run, attempt, existing.isEmpty(), now);
        }
        try {
            return claimAndStart(request, run, existing, attempt, definition, regular, now);
        } catch (RuntimeException e) {
            if (regular) {
                incremental.releaseIfEnded(run);
            }
            throw e;
        }
    }

    /** Holds the run's claim (a new one, or one taken over), then adopts the run's cluster or starts it. */
    private Result claimAndStart(LaunchRequest request, RunIdentity run, Optional<Versioned<RunRecord>> existing,
                                 String attempt, JobDefinition definition, boolean regular, Instant now) {
        Versioned<RunRecord> held;
        boolean takenOver = true;
        if (existing.isEmpty()) {
            RunRecord claim = RunRecord.claim(run.job(), run.runKey(), attempt, run.clusterName(),
                    definition.version(), now);
            Ledger.Claim claimed = ledger.claim(claim.withWindow(
                    incremental.window(request, run, definition, regular, now, null))
                    .withTables(ImportSteps.outputs(definition, run, now)));
            if (claimed.created()) {
                held = claimed.record();
                takenOver = false;
            } else {
                Optional<Result> settled = settled(claimed.record().value(), run);
                if (settled.isPresent()) {
                    return settled.get();
                }
                held = takeOver(claimed.record(), run, attempt, definition, request, regular);
            }
        } else {
            held = takeOver(existing.get(), run, attempt, definition, request, regular);
        }
        if (takenOver) {
            // The attempt before may have started the cluster and died, or lost RunJobFlow's answer.
            Optional<String> found = RunClusters.named(emr.get(), run.clusterName(), held.value().createdAt(),
                    RunClusters.ACTIVE).map(c -> c.id());
            if (found.isPresent()) {
                ledger.markLaunched(held, found.get(), clock.instant());
                return new Result(Outcome.ADOPTED, run.job(), run.runKey(), found.get(), run.clusterName());
            }
        }
        String clusterId = startCluster(run, attempt, definition, held.value().createdAt(), held.value().window());
        ledger.markLaunched(held, clusterId, clock.instant());
        return new Result(Outcome.LAUNCHED, run.job(), run.runKey(), clusterId, run.clusterName());
    }

    /**
     * Another run of the job is in flight. A queued request is deferred (the message goes back to the queue and is
     * retried later); a scheduled one is recorded as SKIPPED and answered normally: the next firing covers its
     * window, as the watermark has not moved for it.
     */
    private Result busy(LaunchRequest request, RunIdentity run, String attempt, boolean unrecorded, Instant now) {
        String message = "run " + incremental.slotHolder(run.job()) + " of incremental job " + run.job()
                + " is in flight";
        if (request.origin() == LaunchRequest.Origin.SCHEDULE && unrecorded) {
            Ledger.Claim claim = ledger.claim(RunRecord.skipped(run.job(), run.runKey(), attempt, run.clusterName(),
                    new RunRecord.Failure(RunRecord.SKIPPED_IN_FLIGHT, message, null), now));
            if (claim.created()) {
                return new Result(Outcome.SKIPPED, run.job(), run.runKey(), null, run.clusterName());
            }
            Optional<Result> settled = settled(claim.record().value(), run);
            if (settled.isPresent()) {
                return settled.get();
            }
        }
        throw new RunInProgressException(message + "; run " + run.runKey() + " is deferred");
    }

    /** The answer for a run that needs no launch: its cluster is known, or it ended after running. */
    private static Optional<Result> settled(RunRecord record, RunIdentity run) {
        if (record.clusterId() != null) {
            return Optional.of(new Result(Outcome.ALREADY_LAUNCHED, run.job(), run.runKey(), record.clusterId(),
                    run.clusterName()));
        }
        if (record.state().terminal() && record.state() != RunState.LAUNCH_FAILED) {
            return Optional.of(new Result(Outcome.ALREADY_ENDED, run.job(), run.runKey(), null, run.clusterName()));
        }
        return Optional.empty();
    }

    /**
     * An invalid definition fails a new run for good (LAUNCH_FAILED, until the definition is fixed and the run
     * requested again), and the request with it. A run that had already launched or ended answers as before.
     */
    private Result invalidDefinition(RunIdentity run, String attempt, JobDefinitionException e) {
        Ledger.Claim failed = ledger.claim(RunRecord.launchFailed(run.job(), run.runKey(), attempt, run.clusterName(),
                new RunRecord.Failure(RunRecord.INVALID_DEFINITION, e.getMessage(), null), clock.instant()));
        if (!failed.created()) {
            Optional<Result> settled = settled(failed.record().value(), run);
            if (settled.isPresent()) {
                return settled.get();
            }
        }
        throw e;
    }

    /**
     * Takes over a claim that no live attempt holds: a CLAIMED record older than the grace period, or a run that
     * failed to launch and is requested again. Exactly one contender's compare-and-swap succeeds. The window stays
     * the one the claim recorded, unless the run had ended.
     */
    private Versioned<RunRecord> takeOver(Versioned<RunRecord> existing, RunIdentity run, String attempt,
                                          JobDefinition definition, LaunchRequest request, boolean regular) {
        RunRecord record = existing.value();
        RunWindow window = incremental.window(request, run, definition, regular, record.createdAt(), record);
        Instant now = clock.instant();
        if (record.state() == RunState.CLAIMED && record.updatedAt().plus(CLAIM_GRACE).isAfter(now)) {
            throw new RunInProgressException("run " + run.job() + "/" + run.runKey() + " was claimed at "
                    + record.updatedAt() + " by another attempt that may still be launching");
        }
        return ledger.swap(existing, record.reclaimed(attempt, definition.version(), window, now))
                .orElseThrow(() -> new RunInProgressException("run " + run.job() + "/" + run.runKey()
                        + " was taken over by another attempt"));
    }

    /**
     * RunJobFlow, retried only on throttling. When EMR rejects the request (a 4xx other than throttling), nothing was
     * started and retrying cannot help: the run is LAUNCH_FAILED with EMR's reason. Any other failure may have
     * started the cluster: the claim stays, and the next attempt adopts what it finds.
     */
    private String startCluster(RunIdentity run, String attempt, JobDefinition definition, Instant claimedAt,
                                RunWindow window) {
        // Published before the try: an S3 failure here started nothing and is not EMR's rejection.
        var request = ClusterRequestBuilder.build(definition, run, claimedAt, window, settings, assets.get());
        try {
            return launches.runJobFlow(request).jobFlowId();
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
