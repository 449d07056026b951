package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import dev.emringest.aws.AwsClients;
import dev.emringest.local.ExampleAccount;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** SnapStart priming runs the launch path but calls nothing: its clients point at a closed port, without credentials. */
class PrimingTest {

    @Test
    void primingCallsNoAwsApiAndResolvesNoCredentials() {
        AwsCredentialsProvider none = () -> {
            throw SdkClientException.create("priming must not resolve credentials");
        };
        AwsClients nowhere = AwsClients.forEndpoint(URI.create("http://127.0.0.1:9"), "us-east-1", none,
                Duration.ofSeconds(1), Duration.ofSeconds(1));
        LaunchService service = LaunchService.create(nowhere,
                LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()), Clock.systemUTC());
        assertDoesNotThrow(() -> new ScheduleHandler(service).beforeCheckpoint(null));
        assertDoesNotThrow(() -> new SqsHandler(service).beforeCheckpoint(null));
    }
}
