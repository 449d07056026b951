package dev.emringest.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.aws.AwsClients;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment packages themselves, not the modules' classes: launcher.jar and recorder.jar leave out what the
 * functions never load (see their pom.xml), so each is started here in its own JVM, as the Lambda runtime starts
 * it, against moto server: two launches, then the recorder finalising both runs.
 */
class PackageIT {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void packagedFunctionsLaunchAndRecord() throws Exception {
        MotoServer moto = MotoServer.shared();
        moto.reset();
        AwsClients aws = AwsClients.forEndpoint(moto.endpoint(), MotoServer.REGION, moto.credentials(),
                Duration.ofSeconds(20), Duration.ofSeconds(10));
        ExampleAccount.seed(aws, REPO.resolve("examples"), "package-it-password");

        String launched = invoke("functions/launcher/target/launcher.jar", "dev.emringest.launcher.ScheduleHandler",
                "{\"job\": \"orders\", \"scheduledTime\": \"2031-01-01T00:00:00Z\"}",
                "{\"job\": \"orders\", \"scheduledTime\": \"2031-01-01T00:01:00Z\"}", moto);
        List<String> clusters = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("\\\\?\"clusterName\\\\?\":\\\\?\"([^\"\\\\]+)\\\\?\",\\\\?\"clusterId\\\\?\":\\\\?\"(j-[A-Z0-9]+)")
                .matcher(launched);
        while (m.find()) {
            names.add(m.group(1));
            clusters.add(m.group(2));
        }
        assertEquals(2, clusters.size(), launched);
        assertTrue(launched.contains("LAUNCHED"), launched);
        aws.emr().terminateJobFlows(r -> r.jobFlowIds(clusters));

        String template = Files.readString(REPO.resolve("events/emr-cluster-terminated-completed.json"));
        String recorded = invoke("functions/recorder/target/recorder.jar", "dev.emringest.recorder.EmrEventHandler",
                event(template, clusters.get(0), names.get(0)), event(template, clusters.get(1), names.get(1)), moto);
        assertEquals(2, recorded.split("\"outcome\":\"FINAL\"", -1).length - 1, recorded);
    }

    private static String event(String template, String clusterId, String name) {
        return template.replaceAll("\"clusterId\"\\s*:\\s*\"[^\"]*\"", "\"clusterId\": \"" + clusterId + "\"")
                .replaceAll("\"name\"\\s*:\\s*\"[^\"]*\"", "\"name\": \"" + name + "\"");
    }

    private static String invoke(String jar, String handler, String first, String warm, MotoServer moto)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("package-it");
        Path a = Files.writeString(dir.resolve("first.json"), first);
        Path b = Files.writeString(dir.resolve("warm.json"), warm);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = REPO.resolve(jar) + File.pathSeparator + REPO.resolve("bench/target/classes")
                + File.pathSeparator + REPO.resolve("bench/target/lib") + "/*";
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                "-cp", cp, Invoke.class.getName(), handler, a.toString(), b.toString()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.putAll(ExampleAccount.launcherEnvironment());
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timed out: " + out);
        assertEquals(0, process.exitValue(), out);
        return out;
    }
}
