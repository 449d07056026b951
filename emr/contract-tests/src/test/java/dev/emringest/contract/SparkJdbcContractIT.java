package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.ledger.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.emr.model.Application;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

/**
 * {@code importer: spark-jdbc}: the launcher's step list for a job on a release without Sqoop, executed locally in
 * order: the bootstrap action, then per table {@code spark-jdbc-import.sh} (the published bytes, run as
 * {@code bash SCRIPT ARGS...} the way script-runner runs it) with the password from moto's SSM put into a jceks
 * store by {@code StoreCredential}, and {@code spark-submit} a stand-in that runs {@code IngestJob} in its own JVM
 * (Spark local mode) with the script's {@code --conf}s as Spark configuration. Same MariaDB tables, same checks as
 * {@link DataPlaneContractIT}: row for row, type for type, the secret nowhere, failures with their cause.
 *
 * <p>Local mapping, the only liberty taken with the arguments: {@code s3://} targets become {@code file://}
 * directories.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkJdbcContractIT extends ContractTestBase {

    private static final String TARGET = "s3://contract-lake/raw/jdbc";

    /** A job with {@code importer: spark-jdbc} on a release that ships no Sqoop. */
    private static String job(String passwordParameter, String tables) {
        return """
                {"importer": "spark-jdbc",
                 "source": {"jdbcUrl": "%s", "username": "%s", "passwordParameter": "%s", "tables": [%s]},
                 "target": {"s3Uri": "%s"},
                 "cluster": {"releaseLabel": "emr-7.10.0"}}"""
                .formatted(db.jdbcUrl(), db.user(), passwordParameter, tables, TARGET);
    }

    private static List<String> local(List<String> args) {
        return args.stream().map(a -> a.startsWith("s3://contract-lake/")
                ? s3Root.toUri() + a.substring("s3://".length()) : a).toList();
    }

    /** Runs the bootstrap action and every step of the request in order; stops at the first failing step. */
    private static List<StepRunner.Result> execute(RunJobFlowRequest request) throws IOException {
        var bootstrap = request.bootstrapActions().get(0).scriptBootstrapAction();
        StepRunner.Result installed = runner.bootstrap(fetch(bootstrap.path()), bootstrap.args());
        stepLogs.add(installed.output());
        assertEquals(0, installed.exitCode(), installed.output());

        List<StepRunner.Result> results = new ArrayList<>();
        for (StepConfig step : request.steps()) {
            List<String> args = step.hadoopJarStep().args();
            stepArgs.add(args);
            assertTrue(step.hadoopJarStep().jar().endsWith("/libs/script-runner/script-runner.jar"), step.toString());
            assertEquals(assets.sparkJdbcStep(), args.get(0));
            StepRunner.Result result = runner.sparkJdbcStep(fetch(args.get(0)), local(args.subList(1, args.size())));
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
        return target("contract-lake/raw/jdbc", table, runId);
    }

    @Test
    @Order(1)
    void sparkJdbcImportEqualsTheSourceRowForRowAndTypeForType() throws Exception {
        JobDefinition definition = definition(job(SECRET, """
                {"name": "typed", "mappers": 1},
                {"name": "events", "splitBy": "id", "mappers": 4}"""));
        String runKey = "2026-11-25T23:59:00Z";
        RunJobFlowRequest request = request(definition, runKey, Instant.parse("2026-11-25T23:59:30Z"));
        String runId = RunIdentity.of("emr-ingest", "contract", runKey).runId();
        assertEquals("emr-7.10.0", request.releaseLabel());
        assertEquals(List.of("Hadoop", "Spark"), request.applications().stream().map(Application::name).toList());
        assertEquals(List.of("spark-jdbc-import typed", "spark-jdbc-import events"),
                request.steps().stream().map(StepConfig::name).toList());

        List<StepRunner.Result> results = execute(request);
        assertEquals(2, results.size());
        for (StepRunner.Result r : results) {
            assertEquals(0, r.exitCode(), r.output());
        }
        assertTrue(results.get(0).output().contains("reading table typed over JDBC"), results.get(0).output());
        assertTrue(results.get(0).output().contains(", 1 partition"), results.get(0).output());
        assertTrue(results.get(1).output().contains("4 partitions on id in [1, " + BIG_ROWS + "]"),
                results.get(1).output());

        Dataset<Row> typedSource = source("typed");
        Dataset<Row> typedTarget = target("typed", runId);
        assertEquals(types(typedSource), types(typedTarget));
        assertEquals(List.of("id:INT", "name:STRING", "amount:DECIMAL(12,3)", "big_amount:DECIMAL(30,10)",
                "created:TIMESTAMP", "updated:TIMESTAMP", "birthday:DATE", "active:BOOLEAN", "views:BIGINT",
                "ratio:DOUBLE", "note:STRING"), types(typedTarget));
        assertEquals(typedSource.orderBy("id").collectAsList(), typedTarget.orderBy("id").collectAsList());
        assertEquals("Zoë — 東京 ✓ 🚀", typedTarget.where("id = 1").first().getString(1));
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

        // 4 partitioned reads, no shuffle: 4 Parquet files in the run's partition (the claim's date), plus a manifest.
        Path partition = s3Root.resolve("contract-lake/raw/jdbc/events/ingest_date=2026-11-25/_run_id=" + runId);
        String manifest = Files.readString(partition.resolve("_manifest.json"));
        assertTrue(manifest.contains("\"rowCount\":" + BIG_ROWS + ","), manifest);
        assertTrue(manifest.contains("\"input\":\"" + db.jdbcUrl() + "\""), manifest);
        try (Stream<Path> files = Files.list(partition)) {
            List<Path> parts = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
            assertEquals(4, parts.size(), parts.toString());
            for (Path part : parts) {
                assertTrue(manifest.contains("\"name\":\"" + part.getFileName() + "\""), manifest);
            }
        }
        for (StructField field : eventsTarget.schema().fields()) {
            assertTrue(manifest.contains("\"name\":\"" + field.name() + "\""), manifest);
        }
        Dataset<Row> written = spark().read().parquet(partition.toUri().toString());
        assertEquals(List.of("_run_key", "_ingested_at"), Arrays.stream(written.columns())
                .filter(c -> c.startsWith("_run_key") || c.startsWith("_ingested_at")).toList());
        assertEquals(runKey, written.select("_run_key").distinct().first().getString(0));
    }

    @Test
    @Order(2)
    void sourceColumnsAndTransformApplyAsOnTheStagedPath() throws Exception {
        JobDefinition definition = definition(job(SECRET, """
                {"name": "typed", "splitBy": "id", "mappers": 2, "columns": ["id", "name", "amount"],
                 "transform": {"sql": "SELECT id, amount * 2 AS doubled FROM source WHERE id <> 2"}}"""));
        String runId = RunIdentity.of("emr-ingest", "contract", "transform-1").runId();
        List<StepRunner.Result> results = execute(request(definition, "transform-1",
                Instant.parse("2026-11-26T08:00:00Z")));
        assertEquals(0, results.get(0).exitCode(), results.get(0).output());
        assertTrue(results.get(0).output().contains("2 partitions on id in [1, 4]"), results.get(0).output());
        // This run's partition on its own: the table's other runs (test 1) have the full schema.
        Dataset<Row> target = spark().read().parquet(s3Root.resolve(
                "contract-lake/raw/jdbc/typed/ingest_date=2026-11-26/_run_id=" + runId).toUri().toString())
                .drop("_run_key", "_ingested_at");
        assertEquals(List.of("id:INT", "doubled:DECIMAL(14,3)"), types(target));
        assertEquals(List.of(1, 3, 4), target.orderBy("id").collectAsList().stream().map(r -> r.getInt(0)).toList());
        assertEquals(new java.math.BigDecimal("2469.134"), target.where("id = 1").first().getDecimal(1));
    }

    @Test
    @Order(3)
    void wrongPasswordFailsTheStepWithTheCauseInItsLog() throws Exception {
        JobDefinition definition = definition(job(WRONG_SECRET, "{\"name\": \"typed\", \"splitBy\": \"id\"}"));
        List<StepRunner.Result> results = execute(request(definition, "wrong-password", null));
        StepRunner.Result step = results.get(0);
        assertNotEquals(0, step.exitCode(), step.output());
        assertTrue(step.output().contains("Access denied for user '" + db.user() + "'"), step.output());
        assertTrue(step.output().contains("spark-jdbc import of table typed failed"), step.output());
    }

    @Test
    @Order(4)
    void missingTableFailsTheStepWithTheCauseInItsLog() throws Exception {
        JobDefinition definition = definition(job(SECRET, "{\"name\": \"no_such_table\", \"mappers\": 1}"));
        List<StepRunner.Result> results = execute(request(definition, "missing-table", null));
        StepRunner.Result step = results.get(0);
        assertNotEquals(0, step.exitCode(), step.output());
        assertTrue(step.output().contains("no_such_table' doesn't exist"), step.output());
        assertTrue(step.output().contains("spark-jdbc import of table no_such_table failed"), step.output());
    }

    @Test
    @Order(5)
    void missingSecretFailsTheStepBeforeSparkRuns() throws Exception {
        JobDefinition definition = definition(job(PREFIX + "/secrets/absent", "{\"name\": \"typed\"}"));
        StepRunner.Result step = execute(request(definition, "absent-secret", null)).get(0);
        assertEquals(1, step.exitCode(), step.output());
        assertTrue(step.output().contains("could not store the password from SSM parameter " + PREFIX
                + "/secrets/absent"), step.output());
        assertFalse(step.output().contains("running:"), step.output());
    }

    @Test
    @Order(6)
    void thePasswordIsInNoStepArgumentProcessArgumentLogLineOrFileLeftBehind() throws IOException {
        String password = db.password();
        assertFalse(stepArgs.isEmpty() || stepLogs.isEmpty() || processArgs.isEmpty(),
                "the runs above produced no evidence");
        assertTrue(processArgs.stream().anyMatch(a -> a.contains("dev.emringest.spark.IngestJob")
                        && a.contains("--password-alias") && a.contains("--jdbc-url")
                        && a.contains("spark.hadoop.hadoop.security.credential.provider.path=jceks://file/")),
                "the watcher saw the Spark job's command line");
        assertTrue(processArgs.stream().anyMatch(a -> a.contains("dev.emringest.credentials.StoreCredential")),
                "the watcher saw StoreCredential's command line");
        assertPasswordNowhere(password, List.of(), "emr-ingest-spark-jdbc.");
    }

}
