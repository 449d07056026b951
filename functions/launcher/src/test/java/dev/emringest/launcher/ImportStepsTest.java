package dev.emringest.launcher;

import static dev.emringest.launcher.ExampleRequests.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ActionOnFailure;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

/** The run's steps, part of the pure request: per table and importer, their arguments, the window as options. */
class ImportStepsTest {

    @Test
    void oneSqoopStepPerTableThenOneSparkApplicationForAllThatEndsTheCluster() throws IOException {
        List<StepConfig> steps = exampleRequest().steps();
        assertEquals(List.of("sqoop-import orders", "sqoop-import customers", "spark-load"),
                steps.stream().map(StepConfig::name).toList());
        // A failed import lets the others run; the load, which records it as failed, ends the cluster.
        assertEquals(List.of(ActionOnFailure.CONTINUE, ActionOnFailure.CONTINUE, ActionOnFailure.TERMINATE_CLUSTER),
                steps.stream().map(StepConfig::actionOnFailure).toList());

        StepConfig sqoop = steps.get(0);
        assertEquals("s3://eu-west-1.elasticmapreduce/libs/script-runner/script-runner.jar", sqoop.hadoopJarStep().jar());
        String staging = "hdfs:///emr-ingest/staging/" + RUN.runId() + "/orders";
        assertEquals(List.of(ASSETS.sqoopStep(),
                "--jdbc-url", "jdbc:mysql://shop-db.internal:3306/shop",
                "--username", "ingest",
                "--password-parameter", "/emr-ingest/secrets/shop-db", "--tls-mode", "verify-identity",
                "--table", "orders",
                "--target-dir", staging,
                "--format", "avro",
                "--num-mappers", "4",
                "--tools-jar", ASSETS.sparkJob(),
                "--region", "eu-west-1",
                "--split-by", "id",
                "--columns", "id,customer_id,status,total,created_at,updated_at"), sqoop.hadoopJarStep().args());

        StepConfig spark = steps.get(2);
        assertEquals("command-runner.jar", spark.hadoopJarStep().jar());
        assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class", "dev.emringest.spark.IngestJob",
                ASSETS.sparkJob(), "--parallel-tables", "2", "--max-connections", "8",
                "--run-key", "2026-11-25T02:00:00Z", "--run-id", RUN.runId(),
                "--table", "orders", "--output", "s3://example-lake/raw/shop/orders",
                "--input", staging, "--input-format", "avro",
                "--table", "customers", "--output", "s3://example-lake/raw/shop/customers",
                "--sql", "SELECT id, country, created_at FROM source",
                "--input", "hdfs:///emr-ingest/staging/" + RUN.runId() + "/customers", "--input-format", "avro"),
                spark.hadoopJarStep().args());
    }

    @Test
    void sparkStepsCarryTheRunsClaimDateAsIngestDate() throws IOException {
        RunJobFlowRequest request = ClusterRequestBuilder.build(
                example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))), RUN,
                java.time.Instant.parse("2026-11-25T23:59:59Z"), SETTINGS, ASSETS);
        List<String> spark = request.steps().get(2).hadoopJarStep().args();
        int at = spark.indexOf("--ingest-date");
        assertTrue(at > 0 && at < spark.indexOf("--table"), "before the tables, for all: " + spark);
        assertEquals("2026-11-25", spark.get(at + 1));
        assertEquals(RUN.runId(), spark.get(spark.indexOf("--run-id") + 1));
    }

    @Test
    void sparkJdbcIsOneScriptStepWhoseSparkApplicationReadsEveryTableOverJdbc() throws IOException {
        List<StepConfig> steps = sparkJdbcRequest(java.time.Instant.parse("2026-11-25T23:59:59Z")).steps();
        assertEquals(List.of("spark-jdbc-import"), steps.stream().map(StepConfig::name).toList());
        assertEquals(ActionOnFailure.TERMINATE_CLUSTER, steps.get(0).actionOnFailure());
        assertEquals("s3://eu-west-1.elasticmapreduce/libs/script-runner/script-runner.jar",
                steps.get(0).hadoopJarStep().jar());

        List<String> args = steps.get(0).hadoopJarStep().args();
        assertEquals(List.of(ASSETS.sparkJdbcStep(),
                "--jdbc-url", "jdbc:mysql://shop-db.internal:3306/shop",
                "--username", "ingest",
                "--password-parameter", "/emr-ingest/secrets/shop-db", "--tls-mode", "verify-identity",
                "--job-jar", ASSETS.sparkJob(),
                "--region", "eu-west-1",
                "--",
                "--parallel-tables", "2", "--max-connections", "8",
                "--run-key", "2026-11-25T02:00:00Z",
                "--run-id", RUN.runId(),
                "--ingest-date", "2026-11-25",
                "--table", "orders",
                "--output", "s3://example-lake/raw/shop/orders",
                "--split-by", "id",
                "--num-partitions", "4",
                "--source-columns", "id,customer_id,status,total,created_at,updated_at",
                "--table", "customers",
                "--output", "s3://example-lake/raw/shop/customers",
                "--sql", "SELECT id, country, created_at FROM source",
                "--split-by", "id",
                "--num-partitions", "2"), args);
        assertFalse(args.contains("--input") || args.contains("--target-dir"), "no staging: " + args);
    }

    @Test
    void tablesRunInParallelAtMostAllOfThem() throws IOException {
        String job = Files.readString(EXAMPLES.resolve("jobs/orders.json"));
        assertEquals(2, ImportSteps.parallelTables(example(job)));
        String oneTable = job.replaceFirst(",\\s*\\{\\s*\"name\": \"customers\"[^}]*\\}[^}]*\\}", "");
        assertEquals(1, ImportSteps.parallelTables(example(oneTable)), oneTable);
    }

    @Test
    void sparkJdbcWithoutSplitColumnReadsInOnePartition() throws IOException {
        String job = Files.readString(EXAMPLES.resolve("jobs/orders.json")).replaceFirst("\\{",
                "{\"importer\": \"spark-jdbc\", ").replace("\"splitBy\": \"id\", ", "");
        List<String> args = ClusterRequestBuilder.build(example(job), RUN, SETTINGS, ASSETS).steps().get(0)
                .hadoopJarStep().args();
        assertFalse(args.contains("--split-by") || args.contains("--num-partitions"), args.toString());
    }

    @Test
    void noStepArgumentCarriesAPassword() throws IOException {
        for (RunJobFlowRequest request : List.of(exampleRequest(), sparkJdbcRequest(null))) {
            for (StepConfig step : request.steps()) {
                List<String> args = step.hadoopJarStep().args();
                for (String arg : args) {
                    assertFalse(arg.toLowerCase(java.util.Locale.ROOT).matches("--password(=.*)?|.*password=.*"),
                            step.name() + ": " + args);
                }
                int at = args.indexOf("--password-parameter");
                if (step.hadoopJarStep().jar().endsWith("script-runner.jar")) {
                    assertTrue(at > 0, "the password goes by SSM name: " + args);
                    assertTrue(args.get(at + 1).startsWith("/emr-ingest/secrets/"), args.toString());
                } else {
                    assertEquals(-1, at, "a Spark step reads no database: " + args);
                }
                assertFalse(String.join(" ", args).contains("--password-alias"), "the script picks the alias");
            }
        }
    }

    @Test
    void stagingDirectoryLastSegmentSuitsKite() throws IOException {
        for (StepConfig step : exampleRequest().steps()) {
            List<String> args = step.hadoopJarStep().args();
            int at = args.indexOf("--target-dir");
            if (at >= 0) {
                String last = args.get(at + 1).substring(args.get(at + 1).lastIndexOf('/') + 1);
                assertTrue(last.matches("[A-Za-z0-9_]+"), last);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void windowsBecomeTypedStepOptions() {
        var table = new dev.emringest.jobs.JobDefinition.Table("orders", java.util.List.of(), null, 4, null,
                new dev.emringest.jobs.JobDefinition.Incremental("updated_at", dev.emringest.jobs.JobDefinition.Incremental.Mode.LASTMODIFIED, 0), null);
        var events = new dev.emringest.jobs.JobDefinition.Table("events", java.util.List.of(), null, 4, null,
                new dev.emringest.jobs.JobDefinition.Incremental("id", dev.emringest.jobs.JobDefinition.Incremental.Mode.APPEND, 0), null);
        java.time.Instant from = java.time.Instant.parse("2026-11-25T01:00:00Z");
        java.time.Instant to = java.time.Instant.parse("2026-11-25T02:00:00Z");
        var window = new dev.emringest.ledger.RunWindow(false, java.util.Map.of(
                "orders", new dev.emringest.ledger.RunWindow.TableWindow("lastmodified", "updated_at", from, to,
                        null, null, "s3://t/m"),
                "events", new dev.emringest.ledger.RunWindow.TableWindow("append", "id", null, null, 41L, null,
                        "s3://t/e")));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("--where-column", "updated_at",
                "--lower-bound", "2026-11-25T01:00:00Z", "--upper-bound", "2026-11-25T02:00:00Z"),
                ImportSteps.windowArgs(window, table));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("--where-column", "id", "--above-key", "41"),
                ImportSteps.windowArgs(window, events));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), ImportSteps.windowArgs(null, table));
    }
}
