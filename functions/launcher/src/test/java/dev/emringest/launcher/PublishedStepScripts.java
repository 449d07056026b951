package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step scripts as the launcher publishes them, for their tests: each script is read from the launcher's bundled
 * assets (what {@link ClusterAssets} uploads, with {@code emr/steps/import-step.sh} inlined by the build), written
 * alone into an empty directory, as script-runner.jar fetches it, and run with {@code bash SCRIPT ARGS}. A rejected
 * argument list exits 2 naming the option before anything on the node runs; an accepted one gets as far as the node's
 * first check, the MySQL driver the bootstrap action installs, which is absent here (exit 1).
 */
abstract class PublishedStepScripts {

    static final String SHARED = "import-step.sh";
    static final String DB = "jdbc:mysql://db.example:3306/shop";
    static final String JAR = "s3://cluster-bucket/assets/0a1b/spark-job.jar";

    /**
     * A step script, a valid argument list and the options it takes; for spark-jdbc-import.sh also the Spark job's
     * arguments, after {@code --}, which the script hands on unread.
     */
    enum Step {
        SQOOP(ClusterAssets.SQOOP_STEP, "--tools-jar",
                List.of("--jdbc-url", DB, "--username", "app_user", "--password-parameter", "/emr-ingest/secrets/db",
                        "--tls-mode", "required", "--table", "orders", "--target-dir", "/emr-ingest/staging/run_1/orders", "--format", "avro",
                        "--num-mappers", "2", "--tools-jar", JAR),
                List.of("--split-by", "id", "--columns", "id,total", "--region", "eu-west-1",
                        "--primary-key-file", "hdfs:///emr-ingest/staging/run_1/orders.primary-key"),
                List.of()),
        SPARK_JDBC(ClusterAssets.SPARK_JDBC_STEP, "--job-jar",
                List.of("--jdbc-url", DB, "--username", "app_user", "--password-parameter", "/emr-ingest/secrets/db",
                        "--tls-mode", "required", "--job-jar", JAR),
                List.of("--region", "eu-west-1"),
                List.of("--", "--run-key", "2026-11-25T02:00:00Z", "--table", "orders", "--output",
                        "s3://lake/shop/orders"));

        static final List<String> WINDOW = List.of("--where-column", "--lower-bound", "--upper-bound", "--above-key",
                "--up-to-key");
        /** Instead of --password-parameter (and then --jdbc-url and --username may come from the secret). */
        static final List<String> SECRET = List.of("--password-secret", "--password-key");
        /** Required unless a secret gives them, with the message saying so. */
        static final Map<String, String> SOURCE = Map.of(
                "--jdbc-url", "options --jdbc-url and --username are required with --password-parameter",
                "--username", "options --jdbc-url and --username are required with --password-parameter",
                "--password-parameter", "one of --password-parameter and --password-secret is required");

        final String script;
        final String jarOption;
        final Map<String, String> required;
        final Map<String, String> optional;
        final List<String> jobArgs;

        Step(String script, String jarOption, List<String> required, List<String> optional, List<String> jobArgs) {
            this.script = script;
            this.jarOption = jarOption;
            this.required = pairs(required);
            this.optional = pairs(optional);
            this.jobArgs = jobArgs;
        }

        /** Every option the script takes (for Sqoop, also the window's). */
        List<String> options() {
            List<String> all = new ArrayList<>(required.keySet());
            all.addAll(optional.keySet());
            all.addAll(SECRET);
            if (this == SQOOP) {
                all.addAll(WINDOW);
            }
            return all;
        }

        /** The required options with {@code changes} applied: a null value drops the option. */
        List<String> args(String... changes) {
            return args(List.of(), changes);
        }

        /** The same with {@code extra} after the script's options (before the Spark job's arguments). */
        List<String> args(List<String> extra, String... changes) {
            Map<String, String> values = new LinkedHashMap<>(required);
            for (int i = 0; i < changes.length; i += 2) {
                if (changes[i + 1] == null) {
                    values.remove(changes[i]);
                } else {
                    values.put(changes[i], changes[i + 1]);
                }
            }
            List<String> args = new ArrayList<>();
            values.forEach((name, value) -> args.addAll(List.of(name, value)));
            args.addAll(extra);
            args.addAll(jobArgs);
            return args;
        }

        private static Map<String, String> pairs(List<String> list) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i < list.size(); i += 2) {
                map.put(list.get(i), list.get(i + 1));
            }
            return map;
        }
    }

    record Result(int exitCode, String stdout, String stderr) {}

    @TempDir
    static Path work;
    static Path libDir;

    @BeforeAll
    static void fetchThePublishedScripts() throws IOException {
        libDir = Files.createDirectories(work.resolve("emr-ingest-lib"));
        for (Step step : Step.values()) {
            // script-runner.jar downloads the one script into a directory of its own
            Path dir = Files.createDirectories(work.resolve("fetched-" + step.name()));
            Files.write(dir.resolve(step.script), bundled(step.script));
        }
    }

    static void assertRejected(Step step, List<String> args, String message) {
        Result result = run(step, args);
        String context = step.script + " " + args + "\n" + result.stderr();
        assertEquals(2, result.exitCode(), context);
        assertTrue(result.stderr().startsWith(step.script + ": " + message), "expected '" + message + "': " + context);
        assertTrue(result.stderr().contains("\nusage: " + step.script + " "), context);
        assertEquals("", result.stdout(), context);
    }

    /** Accepted: every check passed, and the script stopped at the node's first (no MySQL driver here). */
    static void assertAccepted(Step step, List<String> args) {
        Result result = run(step, args);
        String context = step.script + " " + args + "\n" + result.stderr();
        assertEquals(1, result.exitCode(), context);
        assertEquals(step.script + ": MySQL driver " + libDir.resolve("mysql-connector-j.jar")
                + " not found: did the bootstrap action install-mysql-driver.sh run?\n", result.stderr(), context);
    }

    static Result run(Step step, List<String> args) {
        return run(step, args, Map.of());
    }

    /** With {@code overrides} on top of the environment {@link #run(Step, List)} sets. */
    static Result run(Step step, List<String> args, Map<String, String> overrides) {
        Path script = work.resolve("fetched-" + step.name()).resolve(step.script);
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(script.getParent().toFile());
        Map<String, String> env = builder.environment();
        env.put("EMR_INGEST_LIB_DIR", libDir.toString());
        // nothing may run: should a check be missing, these fail instead of reaching AWS, Hadoop, Sqoop or Spark
        for (String name : List.of("EMR_INGEST_AWS", "EMR_INGEST_HADOOP", "EMR_INGEST_SQOOP",
                "EMR_INGEST_SPARK_SUBMIT")) {
            env.put(name, "false");
        }
        env.put("TMPDIR", work.toString());
        env.putAll(overrides);
        return execute(builder, work);
    }

    /** Runs the process to its end (stdin empty, output through files in {@code scratch}), or fails after 60 s. */
    static Result execute(ProcessBuilder builder, Path scratch) {
        try {
            Path out = Files.createTempFile(scratch, "stdout", ".txt");
            Path err = Files.createTempFile(scratch, "stderr", ".txt");
            Process process = builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError("timed out: " + builder.command());
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static byte[] bundled(String name) throws IOException {
        try (InputStream in = ClusterAssets.class.getResourceAsStream("/assets/" + name)) {
            assertNotNull(in, "asset " + name + " is not bundled (the build writes it into target/classes/assets)");
            return in.readAllBytes();
        }
    }
}
