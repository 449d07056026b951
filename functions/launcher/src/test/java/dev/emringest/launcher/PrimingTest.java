package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.local.ExampleAccount;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Init primes the launch path (also what a SnapStart snapshot holds): it is handed no AWS client, so it can call no
 * AWS API nor resolve credentials, and the parser it readies is the one the launcher then uses.
 */
class PrimingTest {

    @Test
    void primingReadiesTheParserTheLauncherUses() throws Exception {
        LauncherSettings settings = LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment());
        var parser = LauncherInit.prime(settings);
        JobDefinition orders = parser.parse("orders", Files.readString(Path.of("../../examples/defaults.json")),
                Files.readString(Path.of("../../examples/jobs/orders.json")), "jobs/orders@1");
        assertEquals("orders", orders.job());
        assertEquals(settings.parameterPrefix() + "/secrets/shop-db", orders.source().passwordParameter());
    }
}
