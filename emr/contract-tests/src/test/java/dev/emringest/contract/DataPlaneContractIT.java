package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.LocalCluster;
import dev.emringest.cluster.StepRun;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.launcher.ImportSteps;
import dev.emringest.ledger.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

/**
 * The launcher's step list for a job, executed locally in order by {@link LocalCluster}: the bootstrap actions, then
 * per table the Sqoop step (real Sqoop 1.4.7, Hadoop's local job runner, real MariaDB, password from moto's SSM) and
 * the Spark step ({@code IngestJob} in this JVM, Spark local mode). The scripts run are the bytes the launcher
 * published to (moto's) S3.
 *
 * <p>Local mapping, the only liberty taken with the arguments: {@code hdfs:///} (staging) becomes a directory under
 * the node, {@code s3://} targets become {@code file://} directories. Nothing else is rewritten.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataPlaneContractIT extends ContractTestBase {

    private static final String TARGET = "s3://contract-lake/raw/shop";

    private static String job(String passwordParameter, String tables) {
        return """
                {"source": {"jdbcUrl": "%s", "username": "%s", "passwordParameter": "%s",
                            "stagingFormat": "avro", "tables": [%s]},
                 "target": {"s3Uri": "%s"}}""".formatted(db.jdbcUrl(), db.user(), passwordParameter, tables, TARGET);
    }

    /**
     * The request's cluster: per table Sqoop through script-runner (the published {@code sqoop-import.sh}), then the
     * published Spark job through command-runner's {@code spark-submit} (run in this JVM).
     */
    private static ClusterRun execute(RunJobFlowRequest request) {
        for (StepConfig step : request.steps()) {
            List<String> args = step.hadoopJarStep().args();
            if (step.hadoopJarStep().jar().endsWith("script-runner.jar")) {
                assertEquals(assets.sqoopStep(), args.get(0));
            } else {
                assertEquals("command-runner.jar", step.hadoopJarStep().jar());
                assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class",
                        ImportSteps.SPARK_MAIN_CLASS, assets.sparkJob()), args.subList(0, 6));
            }
        }
        return runCluster(request);
    }

    @Test
    @Order(1)
    void sqoopImportThenSparkLoadEqualsTheSourceRowForRowAndTypeForType() throws Exception {
        JobDefinition definition = definition(job(SECRET, TYPED_AND_EVENTS));
        Instant claimedAt = Instant.parse("2026-11-25T23:59:30Z");
        RunJobFlowRequest request = request(definition, "2026-11-25T23:59:00Z", claimedAt);
        String runId = RunIdentity.of("emr-ingest", "contract", "2026-11-25T23:59:00Z").runId();

        ClusterRun run = execute(request);
        assertEquals(List.of("sqoop-import typed", "sqoop-import events", "spark-load"),
                run.steps().stream().map(StepRun::name).toList());
        assertSucceeded(run);
        StepRun events = run.steps().get(1);
        assertTrue(events.output().contains("Retrieved " + BIG_ROWS + " records"), events.output());
        assertEquals(events.output(), Files.readString(events.log()));
        assertTrue(events.commandLines().stream().anyMatch(a -> a.contains("org.apache.sqoop.Sqoop")),
                "the watcher saw Sqoop's command line");
        // 4 mappers: 4 part files in staging.
        try (Stream<Path> parts = Files.list(cluster.hdfsRoot().resolve("emr-ingest/staging/" + runId + "/events"))) {
            List<String> names = parts.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(4, names.stream().filter(n -> n.matches("part-m-\\d+\\.avro")).count(),
                    names + "\n" + events.output());
        }

        assertTargetsEqualTheSource("contract-lake/raw/shop", runId);

        // The run's partition is the claim's date (not the date the Spark step ran), with a manifest beside the data.
        Path partition = s3Root.resolve("contract-lake/raw/shop/events/ingest_date=2026-11-25/_run_id=" + runId);
        assertManifestDescribes(partition, target("contract-lake/raw/shop", "events", runId));
    }

    @Test
    @Order(2)
    void aRerunOfTheSameRunKeepsItsWrittenPartitionAndTheOtherRunsRows() throws Exception {
        // Another run the same day, then the first run again (retried after midnight): each keeps its own rows, and
        // the retry does not write again what the first attempt wrote.
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
        Path staging = cluster.hdfsRoot().resolve("emr-ingest/staging/" + runId);
        if (Files.exists(staging)) {
            try (Stream<Path> files = Files.walk(staging)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(3)
    void wrongPasswordFailsTheStepWithTheCauseInItsLog() throws Exception {
        ClusterRun run = execute(request(job(WRONG_SECRET, "{\"name\": \"typed\", \"mappers\": 1}"),
                "wrong-password"));
        assertNothingStaged(run);
        assertFailedWith(run.steps().get(0), "Access denied for user '" + db.user() + "'",
                "sqoop import of table typed failed");
        assertEquals(run.steps().get(0), run.failed().orElseThrow());
    }

    @Test
    @Order(4)
    void missingTableFailsTheStepWithTheCauseInItsLog() throws Exception {
        ClusterRun run = execute(request(job(SECRET, "{\"name\": \"no_such_table\", \"mappers\": 1}"),
                "missing-table"));
        assertNothingStaged(run);
        assertFailedWith(run.steps().get(0), "no_such_table' doesn't exist");
    }

    @Test
    @Order(5)
    void missingSecretFailsTheStepBeforeSqoopRuns() throws Exception {
        ClusterRun run = execute(request(job(PREFIX + "/secrets/absent",
                "{\"name\": \"typed\", \"mappers\": 1}"), "absent-secret"));
        assertStoppedForTheAbsentSecret(run.steps().get(0));
        assertNothingStaged(run);
    }

    /** A failed import goes on to the load, which finds nothing staged, says so and fails: the cluster ends. */
    private static void assertNothingStaged(ClusterRun run) {
        assertEquals(List.of("FAILED", "FAILED"), states(run));
        StepRun load = run.steps().get(1);
        assertTrue(load.output().contains("its sqoop-import step failed or did not run"), load.output());
        assertTrue(load.output().contains("1 of 1 tables failed"), load.output());
    }

    @Test
    @Order(6)
    void thePasswordIsInNoStepArgumentProcessArgumentLogLineOrFileLeftBehind() throws IOException {
        // No file left behind holds it, and no credential store or private work dir is left.
        assertPasswordNowhereAfterTheRuns(a -> a.contains("org.apache.sqoop.Sqoop") && a.contains("--password-alias"),
                "Sqoop", true, List.of(cluster.hdfsRoot()), "emr-ingest-sqoop.");
    }

}
