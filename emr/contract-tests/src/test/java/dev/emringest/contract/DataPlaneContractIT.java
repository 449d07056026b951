package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.launcher.ImportSteps;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.spark.IngestJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

/**
 * The launcher's step list for a job, executed locally in order: the bootstrap action, then per table the Sqoop step
 * (real Sqoop 1.4.7, Hadoop's local job runner, real MariaDB, password from moto's SSM) and the Spark step
 * ({@code IngestJob.main}, Spark local mode). The scripts run are the bytes the launcher published to (moto's) S3.
 *
 * <p>Local mapping, the only liberty taken with the arguments: {@code hdfs:///} (staging) becomes a directory under
 * the test's temp dir, {@code s3://} targets become {@code file://} directories. Nothing else is rewritten.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataPlaneContractIT extends ContractTestBase {

    private static final String TARGET = "s3://contract-lake/raw/shop";

    static Path hdfsRoot;

    @BeforeAll
    static void setUp() throws IOException {
        hdfsRoot = Files.createDirectories(work.resolve("hdfs"));
    }

    private static String job(String passwordParameter, String tables) {
        return """
                {"source": {"jdbcUrl": "%s", "username": "%s", "passwordParameter": "%s",
                            "stagingFormat": "avro", "tables": [%s]},
                 "target": {"s3Uri": "%s"}}""".formatted(db.jdbcUrl(), db.user(), passwordParameter, tables, TARGET);
    }

    private static List<String> local(List<String> args) {
        return args.stream().map(a -> a.startsWith("hdfs:///") ? hdfsRoot.toUri() + a.substring("hdfs:///".length())
                : a.startsWith("s3://contract-lake/") ? s3Root.toUri() + a.substring("s3://".length()) : a).toList();
    }

    /** Runs the bootstrap action and every step of the request in order; stops at the first failing step. */
    private static List<StepRunner.Result> execute(RunJobFlowRequest request) throws IOException {
        var bootstrap = request.bootstrapActions().get(0).scriptBootstrapAction();
        StepRunner.Result installed = runner.bootstrap(fetch(bootstrap.path()), bootstrap.args());
        stepLogs.add(installed.output());
        assertEquals(0, installed.exitCode(), installed.output());
        assertTrue(Files.isRegularFile(runner.libDir().resolve("mysql-connector-j.jar")));

        List<StepRunner.Result> results = new ArrayList<>();
        for (StepConfig step : request.steps()) {
            List<String> args = step.hadoopJarStep().args();
            stepArgs.add(args);
            StepRunner.Result result;
            if (step.hadoopJarStep().jar().endsWith("script-runner.jar")) {
                result = runner.sqoopStep(fetch(args.get(0)), local(args.subList(1, args.size())));
            } else {
                assertEquals("command-runner.jar", step.hadoopJarStep().jar());
                assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class",
                        ImportSteps.SPARK_MAIN_CLASS), args.subList(0, 5));
                assertEquals(assets.sparkJob(), args.get(5));
                IngestJob.main(local(args.subList(6, args.size())).toArray(String[]::new));
                result = new StepRunner.Result(0, "", java.util.Set.of());
            }
            stepLogs.add(result.output());
            processArgs.addAll(result.commandLines());
            results.add(result);
            if (result.exitCode() != 0) {
                break;
            }
        }
        return results;
    }

    private static Dataset<Row> target(String table, String runId) {
        return target("contract-lake/raw/shop", table, runId);
    }

    @Test
    @Order(1)
    void sqoopImportThenSparkLoadEqualsTheSourceRowForRowAndTypeForType() throws Exception {
        JobDefinition definition = definition(job(SECRET, """
                {"name": "typed", "mappers": 1},
                {"name": "events", "splitBy": "id", "mappers": 4}"""));
        Instant claimedAt = Instant.parse("2026-11-25T23:59:30Z");
        RunJobFlowRequest request = request(definition, "2026-11-25T23:59:00Z", claimedAt);
        String runId = RunIdentity.of("emr-ingest", "contract", "2026-11-25T23:59:00Z").runId();

        List<StepRunner.Result> results = execute(request);
        assertEquals(4, results.size());
        for (StepRunner.Result r : results) {
            assertEquals(0, r.exitCode(), r.output());
        }
        assertTrue(results.get(2).output().contains("Retrieved " + BIG_ROWS + " records"), results.get(2).output());
        // 4 mappers: 4 part files in staging.
        try (Stream<Path> parts = Files.list(hdfsRoot.resolve("emr-ingest/staging/" + runId + "/events"))) {
            List<String> names = parts.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(4, names.stream().filter(n -> n.matches("part-m-\\d+\\.avro")).count(),
                    names + "\n" + results.get(2).output());
        }

        Dataset<Row> typedSource = source("typed");
        Dataset<Row> typedTarget = target("typed", runId);
        assertEquals(types(typedSource), types(typedTarget));
        assertEquals(List.of("id:INT", "name:STRING", "amount:DECIMAL(12,3)", "big_amount:DECIMAL(30,10)",
                "created:TIMESTAMP", "updated:TIMESTAMP", "birthday:DATE", "active:BOOLEAN", "views:BIGINT",
                "ratio:DOUBLE", "note:STRING"), types(typedTarget));
        assertEquals(typedSource.orderBy("id").collectAsList(), typedTarget.orderBy("id").collectAsList());
        Row unicode = typedTarget.where("id = 1").first();
        assertEquals("Zoë — 東京 ✓ 🚀", unicode.getString(1));
        Row nulls = typedTarget.where("id = 2").first();
        for (int i = 1; i < nulls.length(); i++) {
            assertTrue(nulls.isNullAt(i), "column " + i + " of the all-NULL row");
        }

        Dataset<Row> eventsSource = source("events");
        Dataset<Row> eventsTarget = target("events", runId);
        assertEquals(types(eventsSource), types(eventsTarget));
        assertEquals(BIG_ROWS, eventsTarget.count());
        assertEquals(0, eventsSource.exceptAll(eventsTarget).count());
        assertEquals(0, eventsTarget.exceptAll(eventsSource).count());

        // The run's partition is the claim's date (not the date the Spark step ran), with a manifest beside the data.
        Path partition = s3Root.resolve("contract-lake/raw/shop/events/ingest_date=2026-11-25/_run_id=" + runId);
        String manifest = Files.readString(partition.resolve("_manifest.json"));
        assertTrue(manifest.contains("\"rowCount\":" + BIG_ROWS + ","), manifest);
        try (Stream<Path> files = Files.list(partition)) {
            for (Path part : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList()) {
                assertTrue(manifest.contains("\"name\":\"" + part.getFileName() + "\""), manifest);
            }
        }
        for (StructField field : eventsTarget.schema().fields()) {
            assertTrue(manifest.contains("\"name\":\"" + field.name() + "\""), manifest);
        }
    }

    @Test
    @Order(2)
    void rerunOfTheSameRunReplacesOnlyItsOwnPartition() throws Exception {
        // Another run the same day, then the first run again (retried after midnight): each keeps its own rows.
        JobDefinition definition = definition(job(SECRET, "{\"name\": \"typed\", \"mappers\": 1}"));
        String first = RunIdentity.of("emr-ingest", "contract", "2026-11-25T23:59:00Z").runId();
        String second = RunIdentity.of("emr-ingest", "contract", "manual-1").runId();
        hdfsCleanup(first);
        assertSucceeded(execute(request(definition, "manual-1", Instant.parse("2026-11-25T10:00:00Z"))));
        assertSucceeded(execute(request(definition, "2026-11-25T23:59:00Z", Instant.parse("2026-11-25T23:59:30Z"))));

        Dataset<Row> all = spark().read().parquet(s3Root.resolve("contract-lake/raw/shop/typed").toUri().toString());
        assertEquals(List.of("2026-11-25"), all.select("ingest_date").distinct().collectAsList().stream()
                .map(r -> r.get(0).toString()).toList());
        assertEquals(List.of(first, second).stream().sorted().toList(),
                all.select("_run_id").distinct().collectAsList().stream().map(r -> r.getString(0)).sorted().toList());
        assertEquals(4, all.where("_run_id = '" + first + "'").count());
        assertEquals(4, all.where("_run_id = '" + second + "'").count());
    }

    /** A retried run re-imports: Sqoop refuses an existing target directory, and HDFS dies with each cluster. */
    private static void hdfsCleanup(String runId) throws IOException {
        Path staging = hdfsRoot.resolve("emr-ingest/staging/" + runId);
        if (Files.exists(staging)) {
            try (Stream<Path> files = Files.walk(staging)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void assertSucceeded(List<StepRunner.Result> results) {
        for (StepRunner.Result r : results) {
            assertEquals(0, r.exitCode(), r.output());
        }
    }

    @Test
    @Order(3)
    void wrongPasswordFailsTheStepWithTheCauseInItsLog() throws Exception {
        JobDefinition definition = definition(job(WRONG_SECRET, "{\"name\": \"typed\", \"mappers\": 1}"));
        List<StepRunner.Result> results = execute(request(definition, "wrong-password", null));
        assertEquals(1, results.size(), "the Spark step must not run after a failed import");
        StepRunner.Result sqoop = results.get(0);
        assertNotEquals(0, sqoop.exitCode(), sqoop.output());
        assertTrue(sqoop.output().contains("Access denied for user '" + db.user() + "'"), sqoop.output());
        assertTrue(sqoop.output().contains("sqoop import of table typed failed"), sqoop.output());
    }

    @Test
    @Order(4)
    void missingTableFailsTheStepWithTheCauseInItsLog() throws Exception {
        JobDefinition definition = definition(job(SECRET, "{\"name\": \"no_such_table\", \"mappers\": 1}"));
        List<StepRunner.Result> results = execute(request(definition, "missing-table", null));
        assertEquals(1, results.size());
        StepRunner.Result sqoop = results.get(0);
        assertNotEquals(0, sqoop.exitCode(), sqoop.output());
        assertTrue(sqoop.output().contains("no_such_table' doesn't exist"), sqoop.output());
    }

    @Test
    @Order(5)
    void missingSecretFailsTheStepBeforeSqoopRuns() throws Exception {
        JobDefinition definition = definition(job(PREFIX + "/secrets/absent", "{\"name\": \"typed\", \"mappers\": 1}"));
        List<StepRunner.Result> results = execute(request(definition, "absent-secret", null));
        StepRunner.Result sqoop = results.get(0);
        assertEquals(1, sqoop.exitCode(), sqoop.output());
        assertTrue(sqoop.output().contains("could not store the password from SSM parameter " + PREFIX
                + "/secrets/absent"), sqoop.output());
        assertFalse(sqoop.output().contains("running:"), sqoop.output());
    }

    @Test
    @Order(6)
    void thePasswordIsInNoStepArgumentProcessArgumentLogLineOrFileLeftBehind() throws IOException {
        String password = db.password();
        assertFalse(stepArgs.isEmpty() || stepLogs.isEmpty() || processArgs.isEmpty(), "the runs above produced no evidence");
        assertTrue(processArgs.stream().anyMatch(a -> a.contains("org.apache.sqoop.Sqoop") && a.contains("--password-alias")),
                "the watcher saw Sqoop's command line");
        assertTrue(processArgs.stream().anyMatch(a -> a.contains("dev.emringest.credentials.StoreCredential")),
                "the watcher saw StoreCredential's command line");
        // No file left behind holds it, and no credential store or private work dir is left.
        assertPasswordNowhere(password, List.of(hdfsRoot), "emr-ingest-sqoop.");
    }

}
