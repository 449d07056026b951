package dev.emringest.recorder;

import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import java.time.Clock;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The recorder function's services, built once per container from the stack's environment: one set of AWS clients
 * for the ledger, EMR, the run's manifests and the run events. Both handlers' no-argument constructors (Lambda's) and
 * the local run come here; tests hand the services their own collaborators instead.
 */
public record RecorderWiring(RecordService records, ReconcileService reconcile) {

    /** What the stack hands the recorder and the reconcile through their environment. */
    record Settings(String stackName, String ledgerBucket) {
        static Settings fromEnvironment(Map<String, String> env) {
            String stack = env.get("STACK_NAME");
            String bucket = env.get("LEDGER_BUCKET");
            if (stack == null || stack.isBlank() || bucket == null || bucket.isBlank()) {
                throw new IllegalStateException("recorder environment needs STACK_NAME and LEDGER_BUCKET");
            }
            return new Settings(stack, bucket);
        }
    }

    static RecorderWiring fromEnvironment(Map<String, String> env) {
        return create(AwsClients.fromEnvironment(env), env, Clock.systemUTC(), RunMetricsLog::write);
    }

    /**
     * @param env the variables template.yaml gives the recorder
     * @param log where the lines and metrics of announced states go (the runtime's logger in Lambda)
     */
    public static RecorderWiring create(AwsClients aws, Map<String, String> env, Clock clock, Consumer<String> log) {
        Settings settings = Settings.fromEnvironment(env);
        // One S3 client: the ledger's bucket, and the targets' manifests the reader is handed it for.
        S3Client s3 = aws.s3();
        Ledger ledger = new Ledger(s3, settings.ledgerBucket());
        EmrClient emr = aws.emr();
        RunAnnouncer.EventBus events = RunAnnouncer.EventBus.of(aws.lazily(AwsClients::eventBridge));
        RunAnnouncer.MetricsOut metrics = RunMetricsLog.to(settings.stackName(), log);
        RecordService records = new RecordService(ledger, emr, ManifestReader.in(s3),
                new RunAnnouncer(ledger, events, settings.stackName(), metrics, log),
                settings.stackName(), clock);
        FreshnessCheck freshness = new FreshnessCheck(ledger, events, settings.stackName(), metrics, clock);
        return new RecorderWiring(records, new ReconcileService(ledger, emr, records, freshness, clock));
    }
}
