package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.StepRun;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.ledger.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.emr.model.Application;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

/**
 * {@code importer: spark-jdbc}: the launcher's step list for a job on a release without Sqoop, executed locally in
 * order by {@link dev.emringest.cluster.LocalCluster}: the bootstrap actions (driver, trust store), then the one
 * {@code spark-jdbc-import.sh} step (the published bytes, run as {@code bash SCRIPT ARGS...} the way script-runner runs
 * it) with the password from moto's SSM put into a jceks
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

    /** The request's cluster: each step {@code spark-jdbc-import.sh} through script-runner. */
    private static ClusterRun execute(RunJobFlowRequest request) {
        for (StepConfig step : request.steps()) {
            assertTrue(step.hadoopJarStep().jar().endsWith("/libs/script-runner/script-runner.jar"), step.toString());
            assertEquals(assets.sparkJdbcStep(), step.hadoopJarStep().args().get(0));
        }
        return runCluster(request);
    }

    @Test
    @Order(1)
    void sparkJdbcImportEqualsTheSourceRowForRowAndTypeForType() throws Exception {
        JobDefinition definition = definition(job(SECRET, TYPED_AND_EVENTS));
        String runKey = "2026-11-25T23:59:00Z";
        RunJobFlowRequest request = request(definition, runKey, Instant.parse("2026-11-25T23:59:30Z"));
        String runId = RunIdentity.of("emr-ingest", "contract", runKey).runId();
        assertEquals("emr-7.10.0", request.releaseLabel());
        assertEquals(List.of("Hadoop", "Spark"), request.applications().stream().map(Application::name).toList());
        assertEquals(List.of("spark-jdbc-import"), request.steps().stream().map(StepConfig::name).toList());

        ClusterRun run = execute(request);
        assertEquals(1, run.steps().size());
        assertSucceeded(run);
        String output = run.steps().get(0).output();
        assertTrue(output.contains("reading table typed over JDBC from " + db.jdbcUrl() + "?sslMode=VERIFY_IDENTITY&")
                && output.contains("trustCertificateKeyStorePassword=emr-ingest-truststore as " + db.user()
                + ", 1 partition"), output);
        assertTrue(output.contains("4 partitions on id in [1, " + BIG_ROWS + "]"), output);
        assertTrue(output.contains("IngestJob: table events: " + BIG_ROWS + " rows written"), output);

        assertTargetsEqualTheSource("contract-lake/raw/jdbc", runId);

        // 4 partitioned reads, no shuffle: 4 Parquet files in the run's partition (the claim's date), plus a manifest.
        Path partition = s3Root.resolve("contract-lake/raw/jdbc/events/ingest_date=2026-11-25/_run_id=" + runId);
        String manifest = assertManifestDescribes(partition, target("contract-lake/raw/jdbc", "events", runId));
        assertTrue(manifest.contains("\"input\":\"" + db.jdbcUrl() + "?sslMode=VERIFY_IDENTITY&"), manifest);
        assertEquals(4, parquetFiles(partition).size(), parquetFiles(partition).toString());
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
        StepRun step = execute(request(definition, "transform-1", Instant.parse("2026-11-26T08:00:00Z")))
                .steps().get(0);
        assertEquals(0, step.exitCode(), step.output());
        assertTrue(step.output().contains("2 partitions on id in [1, 4]"), step.output());
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
        String job = job(WRONG_SECRET, "{\"name\": \"typed\", \"splitBy\": \"id\"}");
        ClusterRun run = execute(request(job, "wrong-password"));
        assertFailedWith(run.steps().get(0), "Access denied for user '" + db.user() + "'",
                "spark-jdbc import of table typed failed");
        assertEquals(List.of("FAILED"), states(run));
    }

    @Test
    @Order(4)
    void aFailedTableFailsTheStepAfterTheOthersAreWrittenAndARerunRedoesOnlyIt() throws Exception {
        sql("DROP TABLE IF EXISTS late");
        String job = job(SECRET, "{\"name\": \"typed\", \"mappers\": 1}, {\"name\": \"late\", \"mappers\": 1}");
        Instant claimedAt = Instant.parse("2026-11-27T08:00:00Z");
        String runId = RunIdentity.of("emr-ingest", "contract", "partial-1").runId();
        Path typed = s3Root.resolve("contract-lake/raw/jdbc/typed/ingest_date=2026-11-27/_run_id=" + runId);
        Path late = s3Root.resolve("contract-lake/raw/jdbc/late/ingest_date=2026-11-27/_run_id=" + runId);

        ClusterRun run = execute(request(definition(job), "partial-1", claimedAt));
        assertFailedWith(run.steps().get(0), "late' doesn't exist", "1 of 2 tables failed",
                "spark-jdbc import of table typed,late failed");
        assertEquals(4, spark().read().parquet(typed.toUri().toString()).count(), "typed is written all the same");
        String written = Files.readString(typed.resolve("_manifest.json"));
        assertTrue(written.contains("\"rowCount\":4"), written);
        String failed = Files.readString(late.resolve("_manifest.json"));
        assertTrue(failed.matches("(?s)\\{\"table\":\"late\",\"runKey\":\"partial-1\".*\"error\":\".*late' doesn't"
                + " exist.*\"}\\s*"), failed);
        assertFalse(failed.contains("rowCount"), failed);

        // The same run again once the table is there: typed stays as the first attempt wrote it, late is written.
        long typedWrittenAt = Files.getLastModifiedTime(typed.resolve("_manifest.json")).toMillis();
        sql("CREATE TABLE late AS SELECT id, name FROM typed");
        ClusterRun again = execute(request(definition(job), "partial-1", claimedAt));
        assertSucceeded(again);
        String output = again.steps().get(0).output();
        assertTrue(output.contains("IngestJob: table typed was written by an earlier attempt of run partial-1 (4 rows"),
                output);
        assertEquals(typedWrittenAt, Files.getLastModifiedTime(typed.resolve("_manifest.json")).toMillis());
        assertTrue(Files.readString(late.resolve("_manifest.json")).contains("\"rowCount\":4"));
        assertEquals(4, spark().read().parquet(late.toUri().toString()).count());
        sql("DROP TABLE late");
    }

    @Test
    @Order(5)
    void splitsOnDatetimeAndDecimalColumnsReadEveryRowOnce() throws Exception {
        // The driver's own MIN/MAX query types the bounds as Spark's reader does (Timestamp, BigDecimal); typed's
        // all-NULL row goes to the first partition.
        String job = job(SECRET, """
                {"name": "typed", "splitBy": "amount", "mappers": 2},
                {"name": "events", "splitBy": "happened", "mappers": 3}""");
        String runKey = "split-types-1";
        StepRun step = execute(request(definition(job), runKey, Instant.parse("2026-11-28T08:00:00Z"))).steps()
                .get(0);
        assertEquals(0, step.exitCode(), step.output());
        assertTrue(step.output().matches("(?s).*reading table typed over JDBC .* 2 partitions on amount in \\[-?\\d+,"
                + " -?\\d+].*"), step.output());
        assertTrue(step.output().contains("3 partitions on happened in [2024-01-01 00:00:37.0, "), step.output());
        assertTargetsEqualTheSource("contract-lake/raw/jdbc", RunIdentity.of("emr-ingest", "contract", runKey)
                .runId());
    }

    private static void sql(String statement) throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             java.sql.Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    @Test
    @Order(6)
    void missingSecretFailsTheStepBeforeSparkRuns() throws Exception {
        String job = job(PREFIX + "/secrets/absent", "{\"name\": \"typed\"}");
        assertStoppedForTheAbsentSecret(execute(request(job, "absent-secret")).steps().get(0));
    }

    @Test
    @Order(7)
    void thePasswordIsInNoStepArgumentProcessArgumentLogLineOrFileLeftBehind() throws IOException {
        // The password went to the driver on its standard input: no credential store, no StoreCredential.
        assertPasswordNowhereAfterTheRuns(a -> a.contains("dev.emringest.spark.IngestJob")
                        && a.contains("--password-stdin text") && a.contains("--jdbc-url")
                        && !a.contains("credential.provider.path"),
                "the Spark job", false, List.of(), "emr-ingest-spark-jdbc.");
        assertFalse(processArgs.stream().anyMatch(a -> a.contains("dev.emringest.credentials.StoreCredential")),
                "no StoreCredential ran");
    }

}
