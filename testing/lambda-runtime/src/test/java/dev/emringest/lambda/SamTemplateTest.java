package dev.emringest.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.local.ExampleAccount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** template.yaml as the runtime tests read it, and events/env.json kept true to it. */
class SamTemplateTest {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final SamTemplate TEMPLATE = new SamTemplate(REPO.resolve("template.yaml"),
            ExampleAccount.stackReferences());

    @Test
    void everyFunctionResolvesToAPackageAHandlerAndItsEnvironment() {
        assertEquals(List.of("ScheduleLaunchFunction", "QueueLaunchFunction", "RecorderFunction", "ReconcileFunction",
                "ScheduleSyncFunction"),
                TEMPLATE.functions());
        SamTemplate.Function queue = TEMPLATE.function("QueueLaunchFunction");
        assertEquals("emr-ingest-queue-launch", queue.name());
        assertEquals("functions/launcher/target/launcher.jar", queue.codeUri());
        assertEquals("dev.emringest.launcher.SqsHandler::handleRequest", queue.handler());
        assertTrue(queue.runtime().matches("java2[15]"), queue.runtime());
        assertEquals(1024, queue.memoryMb());
        assertEquals(60, queue.timeoutSeconds());
        assertEquals("Text", queue.logFormat(), "the launchers' cold start");
        assertEquals(null, queue.logLevel());
        assertEquals("JSON", TEMPLATE.function("RecorderFunction").logFormat());
        assertEquals("INFO", TEMPLATE.function("RecorderFunction").logLevel());
        assertEquals("subnet-0123456789abcdef0,subnet-0fedcba9876543210", queue.environment().get("SUBNET_IDS"));
        assertEquals("/emr-ingest", queue.environment().get("JOB_PARAMETER_PREFIX"), "the parameter's default");
        assertEquals(Map.of("STACK_NAME", "emr-ingest", "LEDGER_BUCKET", "emr-ingest-ledger"),
                TEMPLATE.function("RecorderFunction").environment());
    }

    @Test
    void aReferenceWithoutAValueFailsNamingIt() {
        Map<String, Object> refs = new HashMap<>(ExampleAccount.stackReferences());
        refs.remove("ClusterBucket");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SamTemplate(REPO.resolve("template.yaml"), refs).function("ScheduleLaunchFunction"));
        assertTrue(e.getMessage().contains("CLUSTER_BUCKET") && e.getMessage().contains("ClusterBucket"),
                e.getMessage());
    }

    /** {@code sam local invoke --env-vars events/env.json} gives each function the variables the template does. */
    @Test
    void eventsEnvJsonNamesEachFunctionsTemplateVariables() throws IOException {
        String env = Files.readString(REPO.resolve("events/env.json"));
        for (String id : TEMPLATE.functions()) {
            Matcher block = Pattern.compile("\"" + id + "\"\\s*:\\s*\\{([^}]*)}").matcher(env);
            assertTrue(block.find(), id + " missing from events/env.json");
            Set<String> names = new TreeSet<>();
            Matcher name = Pattern.compile("\"([A-Z_]+)\"\\s*:").matcher(block.group(1));
            while (name.find()) {
                names.add(name.group(1));
            }
            Set<String> expected = new TreeSet<>(TEMPLATE.function(id).environment().keySet());
            expected.add("AWS_ENDPOINT_URL");  // the local AWS: moto server on the host
            assertEquals(expected, names, id);
        }
    }
}
