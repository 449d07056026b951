package dev.emringest.launcher;

import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.RunJobFlowResponse;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The launcher function's init: wires a {@link LaunchService} from its collaborators and is the one place the
 * launcher primes (the launch path's classes, the definitions' parser, the assets' marker read ahead).
 */
public final class LauncherInit {

    private LauncherInit() {}

    /**
     * Everything built from the function's environment, as Lambda starts it. Lambda does not hold init to the
     * memory setting's share of a vCPU, so init primes the launch path ({@link #prime}) on a second thread while
     * this one builds the AWS clients: the first launch then finds its classes loaded and initialised. Priming
     * creates nothing unique, so a SnapStart snapshot taken after init holds it too.
     */
    public static LaunchService fromEnvironment(Map<String, String> env) {
        LauncherSettings settings = LauncherSettings.fromEnvironment(env);
        FutureTask<JobDefinitionParser> primed = started("launcher-priming", () -> prime(settings), false);
        AwsClients aws = AwsClients.fromEnvironment(env);
        S3Client s3 = aws.s3();
        ClusterAssets assets = new ClusterAssets(s3, settings.clusterBucket());
        // The assets' marker is read ahead of the first launch, overlapping the S3 client's slow first request with
        // the rest of init. Not under SnapStart: nothing is called before the snapshot.
        if (!"snap-start".equals(env.get("AWS_LAMBDA_INITIALIZATION_TYPE"))) {
            checkAhead(assets);
        }
        SsmClient ssm = aws.ssm();
        EmrClient launches = aws.emrWithoutBlindRetries();
        return new LaunchService(new JobDefinitionStore(ssm, settings.parameterPrefix(), joined(primed)),
                new Ledger(s3, settings.ledgerBucket()), aws.lazily(AwsClients::emr), launches, assets::publish,
                settings, Clock.systemUTC());
    }

    /** The service over given clients, without priming: tests and the local run. */
    public static LaunchService create(AwsClients aws, LauncherSettings settings, Clock clock) {
        S3Client s3 = aws.s3();
        return new LaunchService(new JobDefinitionStore(aws.ssm(), settings.parameterPrefix()),
                new Ledger(s3, settings.ledgerBucket()), aws.lazily(AwsClients::emr), aws.emrWithoutBlindRetries(),
                new ClusterAssets(s3, settings.clusterBucket())::publish, settings, clock);
    }

    /**
     * Runs what a launch runs except its AWS calls, on fixed inputs: event and request parsing, definition parsing
     * and validation, the RunJobFlow request, ledger records, the log and metric lines. It has no client to call AWS
     * with, resolves no credentials and creates nothing unique (no attempt id, no random value, no clock reading).
     *
     * @return the definitions' parser it readied, schema compiled
     */
    static JobDefinitionParser prime(LauncherSettings settings) {
        JobDefinitionParser parser = new JobDefinitionParser(settings.parameterPrefix());
        // Both entry points' events and answers: a schedule's flat object, an SQS batch's arrays of objects.
        JsonDocuments.readEvent(new ByteArrayInputStream(
                "{\"job\": \"priming\", \"scheduledTime\": \"1970-01-01T00:00:00Z\"}".getBytes(StandardCharsets.UTF_8)));
        JsonDocuments.readEvent(new ByteArrayInputStream(("{\"Records\": [{\"messageId\": \"priming\", \"body\": \"{}\","
                + " \"attributes\": {\"SentTimestamp\": \"0\"}}]}").getBytes(StandardCharsets.UTF_8)));
        JsonDocuments.writeAnswer(OutputStream.nullOutputStream(), Map.of("outcome", "PRIMING"));
        JsonDocuments.writeAnswer(OutputStream.nullOutputStream(),
                Map.of("batchItemFailures", List.of(Map.of("itemIdentifier", "priming"))));
        LaunchRequest request = LaunchRequest.fromSchedule(Map.of("job", "priming", "scheduledTime", "1970-01-01T00:00:00Z"));
        LaunchRequest.fromSqs("{\"job\": \"priming\", \"runKey\": \"priming\"}", "priming");
        RunIdentity run = RunIdentity.of(settings.stackName(), request.job(), request.runKey());
        ClusterRequestBuilder.build(JobDefinitionStore.prime(parser, settings.parameterPrefix()), run, settings,
                new ClusterAssets.Published("s3://priming/a", "s3://priming/b", "s3://priming/c", "s3://priming/d",
                        "s3://priming/e", "s3://priming/f", "s3://priming/g"));
        RunJobFlowResponse.builder().jobFlowId("j-PRIMING").build();
        Ledger.prime();
        // The log and metric lines as the first launch writes them, but to no logger.
        LaunchLog.launched(new LaunchService.Result(LaunchService.Outcome.LAUNCHED, run.job(), run.runKey(),
                "j-PRIMING", run.clusterName()), "priming").json("priming");
        LaunchLog.deferred(settings.stackName(), request, 0).json();
        return parser;
    }

    /** Starts the assets' {@link ClusterAssets#check} on its own thread; the first publish waits for it. */
    static void checkAhead(ClusterAssets assets) {
        assets.checkAhead(started("launcher-assets", assets::check, true));
    }

    private static <T> FutureTask<T> started(String name, Callable<T> work, boolean daemon) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = new Thread(task, name);
        thread.setDaemon(daemon);
        thread.start();
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
}
