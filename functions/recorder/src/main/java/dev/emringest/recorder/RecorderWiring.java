package dev.emringest.recorder;

import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The recorder function's services, built once per container from the stack's environment: one set of AWS clients
 * for the ledger, EMR and the run's manifests. Both handlers' no-argument constructors (Lambda's) come here; tests
 * hand the services their own collaborators instead.
 */
record RecorderWiring(RecordService records, ReconcileService reconcile) {

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
        Settings settings = Settings.fromEnvironment(env);
        AwsClients aws = AwsClients.fromEnvironment(env);
        // One S3 client: the ledger's bucket, and the targets' manifests the reader is handed it for.
        S3Client s3 = aws.s3();
        Ledger ledger = new Ledger(s3, settings.ledgerBucket());
        EmrClient emr = aws.emr();
        RecordService records = new RecordService(ledger, emr, ManifestReader.in(s3), settings.stackName(),
                Clock.systemUTC());
        return new RecorderWiring(records, new ReconcileService(ledger, emr, records, Clock.systemUTC()));
    }
}
