package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** SnapStart priming calls nothing: the clients point at a closed port, without credentials. */
class PrimingTest {

    @Test
    void primingCallsNoAwsApiAndResolvesNoCredentials() {
        AwsCredentialsProvider none = () -> {
            throw SdkClientException.create("priming must not resolve credentials");
        };
        AwsClients nowhere = AwsClients.forEndpoint(URI.create("http://127.0.0.1:9"), "us-east-1", none,
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        RecordService records = new RecordService(new Ledger(nowhere.s3(), "ledger"), nowhere.emr(),
                ManifestReader.in(nowhere.s3()), "emr-ingest", Clock.systemUTC());
        // Both handlers built as tests build them, then the one priming both register at a SnapStart init.
        assertDoesNotThrow(() -> new EmrEventHandler(records));
        assertDoesNotThrow(() -> new ReconcileHandler(new ReconcileService(new Ledger(nowhere.s3(), "ledger"),
                nowhere.emr(), records, Clock.systemUTC())));
        assertDoesNotThrow(() -> new SnapStartPriming().beforeCheckpoint(null));
    }
}
