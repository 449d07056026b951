package dev.emringest.launcher;

import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionException;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.json.JsonDocuments;
import dev.emringest.launcher.ClusterRequestBuilder.Run;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.Versioned;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.RunJobFlowResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.ssm.SsmClient;

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

    /** {@code SKIPPED}: a scheduled run of an incremental job that found another run of the job in flight. */
    public enum Outcome { LAUNCHED, ADOPTED, ALREADY_LAUNCHED, ALREADY_ENDED, SKIPPED }

    public record Result(Outcome outcome, String job, String runKey, String clusterId, String clusterName) {}

    private final JobDefinitionStore definitions;
    private final Ledger ledger;
    private final Supplier<EmrClient> emr;
    private final EmrClient launches;
    private final ClusterAssets assets;
    private final LauncherSettings settings;
    private final Clock clock;

    /**
     * @param emr the EMR client for reads (ListClusters), needed only when a claim is taken over
     * @param launches the EMR client for RunJobFlow, which must not retry a call whose outcome is unknown
     */
    public LaunchService(JobDefinitionStore definitions, Ledger ledger, Supplier<EmrClient> emr, EmrClient launches,
                         ClusterAssets assets, LauncherSettings settings, Clock clock) {
        this.definitions = definitions;
        this.ledger = ledger;
        this.emr = emr;
        this.launches = launches;
        this.assets = assets;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Everything built from the function's environment, as Lambda starts it. Lambda does not hold init to the
     * memory setting's share of a vCPU, so init primes the launch path ({@link #prime}) on a second thread while
     * this one builds the AWS clients: the first launch then finds its classes loaded and initialised. Priming
     * creates nothing unique, so a SnapStart snapshot taken after init holds it too.
     */
    public static LaunchService fromEnvironment(Map<String, String> env) {
        LauncherSettings settings = LauncherSettings.fromEnvironment(env);
        FutureTask<JobDefinitionParser> primed = started("launcher-priming", () -> prime(settings));
        AwsClients aws = AwsClients.fromEnvironment(env);
        S3Client s3 = aws.s3();
        ClusterAssets assets = new ClusterAssets(s3, settings.clusterBucket());
        // The assets' marker is read ahead of the first launch. Not under SnapStart: nothing is called before the
        // snapshot.
        if (!"snap-start".equals(env.get("AWS_LAMBDA_INITIALIZATION_TYPE"))) {
            assets.checkAhead();
        }
        SsmClient ssm = aws.ssm();
        EmrClient launches = aws.emrWithoutBlindRetries();
        return new LaunchService(new JobDefinitionStore(ssm, settings.parameterPrefix(), joined(primed)),
                new Ledger(s3, settings.ledgerBucket()), aws.lazily(AwsClients::emr), launches, assets, settings,
                Clock.systemUTC());
    }

    public static LaunchService create(AwsClients aws, LauncherSettings settings, Clock clock) {
        S3Client s3 = aws.s3();
        return new LaunchService(new JobDefinitionStore(aws.ssm(), settings.parameterPrefix()),
                new Ledger(s3, settings.ledgerBucket()), aws.lazily(AwsClients::emr), aws.emrWithoutBlindRetries(),
                new ClusterAssets(s3, settings.clusterBucket()), settings, clock);
    }

    /**
     * Runs what a launch runs except its AWS calls, on fixed inputs: event and request parsing, definition parsing
     * and validation, the RunJobFlow request, ledger records, the log line. It has no client to call AWS with,
     * resolves no credentials and creates nothing unique (no attempt id, no random value, no clock reading).
     *
     * @return the definitions' parser it readied, schema compiled
     */
    static JobDefinitionParser prime(LauncherSettings settings) {
        JobDefinitionParser parser = new JobDefinitionParser(settings.parameterPrefix());
        JsonDocuments.readEvent(new ByteArrayInputStream(
                "{\"job\": \"priming\", \"scheduledTime\": \"1970-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8)));
        JsonDocuments.writeAnswer(OutputStream.nullOutputStream(), Map.of("outcome", "PRIMING"));
        LaunchRequest request = LaunchRequest.fromSchedule(Map.of("job", "priming", "scheduledTime", "1970-01-01T00:00:00Z"));
        LaunchRequest.fromSqs("{\"job\": \"priming\", \"runKey\": \"priming\"}", "priming");
        Run run = Run.of(settings.stackName(), request.job(), request.runKey());
        ClusterRequestBuilder.build(JobDefinitionStore.prime(parser, settings.parameterPrefix()), run, settings,
                new ClusterAssets.Published("s3://priming/a", "s3://priming/b", "s3://priming/c", "s3://priming/d",
                        "s3://priming/e"));
        RunJobFlowResponse.builder().jobFlowId("j-PRIMING").build();
        Ledger.prime();
        LaunchLog.launched(new Result(Outcome.LAUNCHED, run.job(), run.runKey(), "j-PRIMING", run.clusterName()));
        return parser;
    }

    private static <T> FutureTask<T> started(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        new Thread(task, name).start();
        return task;
    }

    private static <T> T joined(FutureTask<T> task) {
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while priming", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    public Result launch(LaunchRequest request) {
        Run run = Run.of(settings.stackName(), request.job(), request.runKey());
        String attempt = UUID.randomUUID().toString();
        JobDefinition definition;
        try {
            definition = definitions.load(run.job());
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
        if (regular && !takeSlot(run, now)) {
            return busy(request, run, attempt, existing.isEmpty(), now);
        }
        try {
            return launch(request, run, existing, attempt, definition, regular, now);
        } catch (RuntimeException e) {
            // A run that ended without a cluster gives the slot back; one that may still launch keeps it.
            if (regular) {
                ledger.read(run.job(), run.runKey()).filter(r -> r.value().state().terminal())
                        .ifPresent(r -> releaseSlot(run));
            }
            throw e;
        }
    }

    private Result launch(LaunchRequest request, Run run, Optional<Versioned<RunRecord>> existing, String attempt,
                          JobDefinition definition, boolean regular, Instant now) {
        Versioned<RunRecord> held;
        boolean takenOver = true;
        if (existing.isEmpty()) {
            RunRecord claim = RunRecord.claim(run.job(), run.runKey(), attempt, run.clusterName(),
                    definition.version(), now);
            Ledger.Claim claimed = ledger.claim(claim.withWindow(window(request, run, definition, regular, now,
                    null)));
            if (claimed.created()) {
                held = claimed.record();
                takenOver = false;
            } else {
                Optional<Result> settled = settled(claimed.record().value(), run);
                if (settled.isPresent()) {
                    return settled.get();
                }
                held = takeOver(claimed.record(), run, attempt, definition,
                        window(request, run, definition, regular, claimed.record().value().createdAt(),
                                claimed.record().value()));
            }
        } else {
            held = takeOver(existing.get(), run, attempt, definition,
                    window(request, run, definition, regular, existing.get().value().createdAt(),
                            existing.get().value()));
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
     * The run's window, fixed before its cluster starts: the one already recorded for a run still open (a retry
     * imports exactly what the first attempt would have), else a fresh one. Null for a job imported whole.
     */
    private RunWindow window(LaunchRequest request, Run run, JobDefinition definition, boolean regular,
                             Instant claimedAt, RunRecord recorded) {
        if (!definition.incremental()) {
            return null;
        }
        if (recorded != null && recorded.window() != null && !recorded.state().terminal()) {
            return recorded.window();
        }
        java.util.function.Function<JobDefinition.Table, String> manifest =
                t -> ClusterRequestBuilder.manifest(definition, t, run, claimedAt);
        if (!regular) {
            return Windows.backfill(definition, request.window(), manifest);
        }
        JobState state = ledger.readState(run.job()).map(Versioned::value).orElse(JobState.empty(run.job()));
        Instant trigger = request.triggerTime() != null ? request.triggerTime() : claimedAt;
        return Windows.regular(definition, state, trigger, manifest);
    }

    /**
     * Takes the job's in-flight slot by compare-and-swap, or keeps it if this run holds it already. A holder whose
     * run has ended (its outcome is in the state before its record is final), or which never wrote its claim within
     * the grace period, is gone: its slot is taken over.
     */
    private boolean takeSlot(Run run, Instant now) {
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
        return state.inFlightSince() == null || state.inFlightSince().plus(CLAIM_GRACE).isBefore(now);
    }

    private void releaseSlot(Run run) {
        ledger.updateState(run.job(), s -> s.released(run.runKey(), clock.instant()));
    }

    /**
     * Another run of the job is in flight. A queued request is deferred (the message goes back to the queue and is
     * retried later); a scheduled one is recorded as SKIPPED and answered normally: the next firing covers its
     * window, as the watermark has not moved for it.
     */
    private Result busy(LaunchRequest request, Run run, String attempt, boolean unrecorded, Instant now) {
        String holder = ledger.readState(run.job()).map(s -> s.value().inFlight()).orElse(null);
        String message = "run " + holder + " of incremental job " + run.job() + " is in flight";
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

    /**
     * An invalid definition fails a new run for good (LAUNCH_FAILED, until the definition is fixed and the run
     * requested again), and the request with it. A run that had already launched or ended answers as before.
     */
    private Result invalidDefinition(Run run, String attempt, JobDefinitionException e) {
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
     * failed to launch and is requested again. Exactly one contender's compare-and-swap succeeds.
     */
    private Versioned<RunRecord> takeOver(Versioned<RunRecord> existing, Run run, String attempt,
                                          JobDefinition definition, RunWindow window) {
        RunRecord record = existing.value();
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
    private String startCluster(Run run, String attempt, JobDefinition definition, Instant claimedAt,
                                RunWindow window) {
        try {
            return launches.runJobFlow(ClusterRequestBuilder.build(definition, run, claimedAt, window, settings,
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
