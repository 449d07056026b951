package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The step scripts' option rules, on the bytes the launcher publishes: each script is read from the launcher's bundled
 * assets (what {@link ClusterAssets} uploads, with {@code emr/steps/import-step.sh} inlined by the build), written
 * alone into an empty directory, as script-runner.jar fetches it, and run with {@code bash SCRIPT ARGS}. Every rule
 * is checked in both scripts where both take the option. A rejected argument list exits 2 naming the option before
 * anything on the node runs; an accepted one gets as far as the node's first check, the MySQL driver the bootstrap
 * action installs, which is absent here (exit 1).
 */
class StepScriptsTest {

    private static final String SHARED = "import-step.sh";
    private static final String DB = "jdbc:mysql://db.example:3306/shop";
    private static final String JAR = "s3://cluster-bucket/assets/0a1b/spark-job.jar";

    /** A step script, a valid argument list and the options it takes. */
    enum Step {
        SQOOP(ClusterAssets.SQOOP_STEP, "--tools-jar", "--num-mappers",
                List.of("--jdbc-url", DB, "--username", "app_user", "--password-parameter", "/emr-ingest/secrets/db",
                        "--table", "orders", "--target-dir", "/emr-ingest/staging/run_1/orders", "--format", "avro",
                        "--num-mappers", "2", "--tools-jar", JAR),
                List.of("--split-by", "id", "--columns", "id,total", "--region", "eu-west-1"),
                List.of()),
        SPARK_JDBC(ClusterAssets.SPARK_JDBC_STEP, "--job-jar", "--num-partitions",
                List.of("--jdbc-url", DB, "--username", "app_user", "--password-parameter", "/emr-ingest/secrets/db",
                        "--table", "orders", "--output", "s3://lake/shop/orders", "--run-key", "2026-11-25T02:00:00Z",
                        "--job-jar", JAR),
                List.of("--split-by", "id", "--num-partitions", "4", "--source-columns", "id,total", "--run-id",
                        "run_1", "--ingest-date", "2026-11-25", "--columns", "id,total", "--sql",
                        "SELECT id FROM source", "--region", "eu-west-1", "--max-key-column", "id"),
                List.of("--sql"));

        static final List<String> WINDOW = List.of("--where-column", "--lower-bound", "--upper-bound", "--above-key",
                "--up-to-key");

        final String script;
        final String jarOption;
        final String countOption;
        final Map<String, String> required;
        final Map<String, String> optional;
        final List<String> freeText;

        Step(String script, String jarOption, String countOption, List<String> required, List<String> optional,
             List<String> freeText) {
            this.script = script;
            this.jarOption = jarOption;
            this.countOption = countOption;
            this.required = pairs(required);
            this.optional = pairs(optional);
            this.freeText = freeText;
        }

        /** Every option the script takes. */
        List<String> options() {
            List<String> all = new ArrayList<>(required.keySet());
            all.addAll(optional.keySet());
            all.addAll(WINDOW);
            return all;
        }

        /** The required options with {@code changes} applied: a null value drops the option. */
        List<String> args(String... changes) {
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
    private static Path libDir;

    @BeforeAll
    static void fetchThePublishedScripts() throws IOException {
        libDir = Files.createDirectories(work.resolve("emr-ingest-lib"));
        for (Step step : Step.values()) {
            // script-runner.jar downloads the one script into a directory of its own
            Path dir = Files.createDirectories(work.resolve("fetched-" + step.name()));
            Files.write(dir.resolve(step.script), bundled(step.script));
        }
    }

    // --------------------------------------------------------------------------------------------- the published bytes

    @ParameterizedTest
    @EnumSource(Step.class)
    void thePublishedScriptHoldsTheSharedFileInsteadOfSourcingIt(Step step) throws IOException {
        String published = new String(bundled(step.script), StandardCharsets.UTF_8);
        String shared = Files.readString(Path.of("../../emr/steps", SHARED));
        assertTrue(published.contains(shared), step.script + " does not hold " + SHARED + " as it is in emr/steps");
        assertFalse(published.contains("/" + SHARED + "\""), step.script + " still sources " + SHARED);
        assertFalse(published.contains("shellcheck source="), step.script + " still has the shellcheck directive");
    }

    @Test
    void theSharedFileIsNotAnAsset() {
        assertNull(ClusterAssets.class.getResource("/assets/" + SHARED));
    }

    // ------------------------------------------------------------------------------------------------ accepted

    @ParameterizedTest
    @EnumSource(Step.class)
    void validOptionsPassEveryCheck(Step step) {
        List<String> args = new ArrayList<>(step.args());
        step.optional.forEach((name, value) -> args.addAll(List.of(name, value)));
        assertAccepted(step, args);
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void validWindowsPassEveryCheck(Step step) {
        assertAccepted(step, step.args("--where-column", "updated_at", "--lower-bound", "2026-11-24T02:00:00Z",
                "--upper-bound", "2026-11-25T02:00:00.123456Z"));
        assertAccepted(step, step.args("--where-column", "updated_at", "--upper-bound", "2026-11-25T02:00:00Z"));
        assertAccepted(step, step.args("--where-column", "id", "--above-key", "-9223372036854775808",
                "--up-to-key", "9223372036854775807"));
        assertAccepted(step, step.args("--where-column", "id", "--above-key", "0"));
        assertAccepted(step, step.args("--where-column", "id"));
    }

    @Test
    void freeTextMayStartWithAnSqlComment() {
        assertAccepted(Step.SPARK_JDBC, Step.SPARK_JDBC.args("--sql", "-- operator's note\nSELECT id FROM source"));
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void helpPrintsTheUsage(Step step) {
        Result result = run(step, List.of("--help"));
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("usage: " + step.script + " --jdbc-url URL"), result.stderr());
    }

    // ------------------------------------------------------------------------------------------------ any option

    @ParameterizedTest
    @EnumSource(Step.class)
    void anUnknownOptionIsRejected(Step step) {
        assertRejected(step, step.args("--password", "secret"), "unknown option '--password'");
        assertRejected(step, step.args("--table=orders", "x"), "unknown option '--table=orders'");
        assertRejected(step, List.of("orders"), "unknown option 'orders'");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void everyOptionRequiresAValue(Step step) {
        for (String option : step.options()) {
            List<String> args = new ArrayList<>(step.args(option, null));
            args.add(option);
            assertRejected(step, args, "option " + option + " requires a value");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noValueMayBeEmpty(Step step) {
        for (String option : step.options()) {
            assertRejected(step, step.args(option, ""), "option " + option + " requires a value");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noValueMayStartWithDashDash(Step step) {
        for (String option : step.options()) {
            if (!step.freeText.contains(option)) {
                assertRejected(step, step.args(option, "--verbose"),
                        "option " + option + " requires a value, got '--verbose' (a value may not start with '--')");
            }
        }
        // the usual mistake: a forgotten value takes the next option's name
        List<String> args = new ArrayList<>(List.of("--table"));
        args.addAll(step.args("--table", null));
        assertRejected(step, args, "option --table requires a value, got '--jdbc-url'");
    }

    @Test
    void freeTextMayNotBeAnOptionName() {
        assertRejected(Step.SPARK_JDBC, Step.SPARK_JDBC.args("--sql", "--table"),
                "option --sql requires a value, got the option '--table'");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noOptionMayBeRepeated(Step step) {
        for (String option : step.options()) {
            String value = step.required.getOrDefault(option, step.optional.getOrDefault(option, "x"));
            List<String> args = new ArrayList<>(step.args(option, value));
            args.addAll(List.of(option, value));
            assertRejected(step, args, "option " + option + " given more than once");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void everyRequiredOptionIsRequired(Step step) {
        for (String option : step.required.keySet()) {
            assertRejected(step, step.args(option, null), "missing required option " + option);
        }
    }

    // ------------------------------------------------------------------------------------------------ shared options

    @ParameterizedTest
    @EnumSource(Step.class)
    void theJdbcUrlMustBeAMysqlUrlWithoutWhitespace(Step step) {
        for (String url : List.of("jdbc:postgresql://db.example/shop", "mysql://db.example/shop", "jdbc:mysql://",
                "jdbc:mysql://db.example/shop?a=1 b=2")) {
            assertRejected(step, step.args("--jdbc-url", url), "option --jdbc-url must be a jdbc:mysql:// URL");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theUsernameMustBeAnIdentifier(Step step) {
        for (String user : List.of("app user", "app-user", "1app", "app'--", "a".repeat(65))) {
            assertRejected(step, step.args("--username", user), "option --username must be a database user name"
                    + " ([A-Za-z_][A-Za-z0-9_]{0,63}), got '" + user + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theTableMustBeAnIdentifier(Step step) {
        for (String table : List.of("orders;drop", "shop.orders", "order items", "1orders", "`orders`",
                "a".repeat(65))) {
            assertRejected(step, step.args("--table", table), "option --table must be a table name"
                    + " ([A-Za-z_][A-Za-z0-9_]{0,63}), got '" + table + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void thePasswordParameterMustBeAnSsmName(Step step) {
        for (String name : List.of("emr-ingest/secrets/db", "/emr ingest/db", "/a;b")) {
            assertRejected(step, step.args("--password-parameter", name),
                    "option --password-parameter must be an SSM parameter name");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theJarMustBeAJarInS3(Step step) {
        for (String uri : List.of("https://bucket/spark-job.jar", "s3://bucket/spark-job.zip", "s3:///spark-job.jar",
                "s3://bucket")) {
            assertRejected(step, step.args(step.jarOption, uri),
                    "option " + step.jarOption + " must be the S3 URI of a jar");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theCountMustBeFrom1To9999(Step step) {
        for (String count : List.of("0", "10000", "-1", "two", "02")) {
            List<String> args = step.args(step.countOption, count, "--split-by", "id");
            assertRejected(step, args, "option " + step.countOption + " must be a positive integer (1-9999), got '"
                    + count + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theSplitColumnMustBeAnIdentifier(Step step) {
        for (String column : List.of("id name", "1id", "id,total")) {
            assertRejected(step, step.args("--split-by", column), "option --split-by must be one column name");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void columnListsHaveNoSpaces(Step step) {
        assertRejected(step, step.args("--columns", "id, total"), "option --columns must be a comma-separated list");
    }

    // ------------------------------------------------------------------------------------------------ the window

    @ParameterizedTest
    @EnumSource(Step.class)
    void theWindowColumnMustBeAnIdentifier(Step step) {
        assertRejected(step, step.args("--where-column", "updated-at", "--upper-bound", "2026-11-25T02:00:00Z"),
                "option --where-column must be a column name");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void windowBoundsNeedTheWindowColumn(Step step) {
        for (String[] bound : new String[][] {{"--lower-bound", "2026-11-24T02:00:00Z"},
                {"--upper-bound", "2026-11-25T02:00:00Z"}, {"--above-key", "5"}, {"--up-to-key", "9"}}) {
            assertRejected(step, step.args(bound), "option " + bound[0] + " needs --where-column");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void aLowerBoundNeedsAnUpperBound(Step step) {
        assertRejected(step, step.args("--where-column", "updated_at", "--lower-bound", "2026-11-24T02:00:00Z"),
                "option --lower-bound needs --upper-bound");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void anUpToKeyNeedsAnAboveKey(Step step) {
        assertRejected(step, step.args("--where-column", "id", "--up-to-key", "9"),
                "option --up-to-key needs --above-key");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void aWindowIsByTimeOrByKey(Step step) {
        assertRejected(step, step.args("--where-column", "id", "--upper-bound", "2026-11-25T02:00:00Z",
                "--above-key", "5"), "option --lower-bound/--upper-bound (by time) cannot be combined with"
                + " --above-key/--up-to-key (by key)");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void boundsAreIso8601UtcInstants(Step step) {
        for (String bound : List.of("--lower-bound", "--upper-bound")) {
            for (String value : List.of("2026-11-25 02:00:00", "2026-11-25T02:00:00+01:00", "2026-11-25",
                    "2026-11-25T02:00:00Z' OR 1=1")) {
                assertRejected(step, step.args("--where-column", "updated_at", "--lower-bound", "2026-11-24T02:00:00Z",
                        "--upper-bound", "2026-11-25T02:00:00Z", bound, value),
                        "option " + bound + " must be an ISO-8601 UTC instant");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void boundsAreValidDatesAndTimes(Step step) {
        for (String value : List.of("2026-13-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-25T24:00:00Z",
                "0999-11-25T00:00:00Z")) {
            assertRejected(step, step.args("--where-column", "updated_at", "--upper-bound", value),
                    "option --upper-bound is not a valid date and time, got '" + value + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void boundsAreNoFinerThanMicroseconds(Step step) {
        assertRejected(step, step.args("--where-column", "updated_at", "--upper-bound", "2026-11-25T02:00:00.1234567Z"),
                "option --upper-bound has a fraction finer than microseconds");
        assertAccepted(step, step.args("--where-column", "updated_at",
                "--upper-bound", "2026-11-25T02:00:00.123456000Z"));
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void keysAre64BitIntegers(Step step) {
        for (String value : List.of("9223372036854775808", "-9223372036854775809", "1.5", "07", "1e3", "5 OR 1=1")) {
            assertRejected(step, step.args("--where-column", "id", "--above-key", value),
                    "option --above-key must be a 64-bit integer, got '" + value + "'");
            assertRejected(step, step.args("--where-column", "id", "--above-key", "0", "--up-to-key", value),
                    "option --up-to-key must be a 64-bit integer, got '" + value + "'");
        }
    }

    // ------------------------------------------------------------------------------------------------ one step's own

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        --format     | orc                        | option --format must be parquet or avro
        --format     | PARQUET                    | option --format must be parquet or avro
        --target-dir | /emr-ingest/staging/run-1  | option --target-dir: last path segment 'run-1'
        --target-dir | /emr-ingest/staging/run.1/ | option --target-dir: last path segment 'run.1'
        --target-dir | /                          | option --target-dir: last path segment ''
        """)
    void sqoopOwnOptions(String option, String value, String message) {
        assertRejected(Step.SQOOP, Step.SQOOP.args(option, value), message);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        --output         | /lake/orders | option --output must be a URI
        --num-partitions | 4            | option --num-partitions needs --split-by
        --source-columns | id, total    | option --source-columns must be a comma-separated list without spaces
        --max-key-column | max(id)      | option --max-key-column must be a column name
        --run-id         | run-1        | option --run-id may contain only letters, digits and '_'
        --ingest-date    | 25.11.2026   | option --ingest-date must be a date YYYY-MM-DD
        """)
    void sparkJdbcOwnOptions(String option, String value, String message) {
        assertRejected(Step.SPARK_JDBC, Step.SPARK_JDBC.args(option, value), message);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static void assertRejected(Step step, List<String> args, String message) {
        Result result = run(step, args);
        String context = step.script + " " + args + "\n" + result.stderr();
        assertEquals(2, result.exitCode(), context);
        assertTrue(result.stderr().startsWith(step.script + ": " + message), "expected '" + message + "': " + context);
        assertTrue(result.stderr().contains("\nusage: " + step.script + " "), context);
        assertEquals("", result.stdout(), context);
    }

    /** Accepted: every check passed, and the script stopped at the node's first (no MySQL driver here). */
    private static void assertAccepted(Step step, List<String> args) {
        Result result = run(step, args);
        String context = step.script + " " + args + "\n" + result.stderr();
        assertEquals(1, result.exitCode(), context);
        assertEquals(step.script + ": MySQL driver " + libDir.resolve("mysql-connector-j.jar")
                + " not found: did the bootstrap action install-mysql-driver.sh run?\n", result.stderr(), context);
    }

    private static Result run(Step step, List<String> args) {
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
        try {
            Path out = Files.createTempFile(work, "stdout", ".txt");
            Path err = Files.createTempFile(work, "stderr", ".txt");
            Process process = builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static byte[] bundled(String name) throws IOException {
        try (InputStream in = ClusterAssets.class.getResourceAsStream("/assets/" + name)) {
            assertNotNull(in, "asset " + name + " is not bundled (the build writes it into target/classes/assets)");
            return in.readAllBytes();
        }
    }
}
