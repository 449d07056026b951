package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.ClusterSpec;
import dev.emringest.cluster.StepRun;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.launcher.ClusterRequestBuilder;
import dev.emringest.launcher.ImportSteps;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.launcher.Windows;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunWindow;
import dev.emringest.local.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.emr.model.Configuration;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;
import software.amazon.awssdk.services.glue.GlueClient;

/**
 * Iceberg table targets on the data plane: the launcher's requests for table jobs (its cluster configuration as the
 * Spark configuration, its steps as they are), run locally with both importers against MariaDB, the Spark job in
 * local mode and Iceberg 1.6.1's {@code GlueCatalog} and {@code S3FileIO} against moto server's Glue and S3.
 *
 * <p>Local liberties, as in the other contract tests: {@code hdfs:///} and the manifests' {@code s3://contract-lake/}
 * are directories here; the catalog gets moto's endpoints (what EMR's own endpoints are on a cluster).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IcebergContractIT extends ContractTestBase {

    private static final String WAREHOUSE = "s3://contract-lake/warehouse";
    private static final String DATABASE = "contract";
    private static final String CATALOG = "spark.sql.catalog." + ImportSteps.CATALOG;
    private static final Pattern COMMIT = Pattern.compile("\"commit\":\\{\"table\":\"([^\"]+)\",\"snapshotId\":"
            + "(-?[0-9]+),\"addedRows\":([0-9]+),\"updatedRows\":([0-9]+),\"deletedRows\":([0-9]+),"
            + "\"committedNow\":(true|false)}");
    private static final LauncherSettings SETTINGS = new LauncherSettings("emr-ingest", MotoServer.REGION, PREFIX,
            "ledger", BUCKET, "svc-role", "instance-profile", List.of(), "", List.of(DATABASE), List.of());

    /** The cluster's spark-defaults as the launcher configures them, and moto's endpoints for the catalog. */
    private static final Map<String, String> sparkDefaults = new LinkedHashMap<>();

    private record Commit(String table, long snapshotId, long added, long updated, long deleted, boolean now) {}

    @BeforeAll
    static void setUp() throws Exception {
        aws.s3().createBucket(r -> r.bucket("contract-lake"));
        sql("DROP TABLE IF EXISTS ice_orders, ice_customers, ice_status",
                "CREATE TABLE ice_orders (id INT PRIMARY KEY, status VARCHAR(20) NOT NULL, amount DECIMAL(12,3),"
                        + " views BIGINT, updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
                "CREATE TABLE ice_customers (id INT PRIMARY KEY, name VARCHAR(40), visits INT,"
                        + " updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
                "CREATE TABLE ice_status (id INT PRIMARY KEY, status VARCHAR(20),"
                        + " updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)");
        RunJobFlowRequest any = ClusterRequestBuilder.build(job("spark-jdbc", "ice_orders", "merge"),
                RunIdentity.of("emr-ingest", "ice", "setup"), Instant.EPOCH, null, SETTINGS, assets);
        for (Configuration c : any.configurations()) {
            if (c.classification().equals("spark-defaults")) {
                sparkDefaults.putAll(c.properties());
            }
        }
        assertEquals(WAREHOUSE, sparkDefaults.get(CATALOG + ".warehouse"));
        // What the clusters' steps run with over their spark-defaults: moto's endpoints, as EMR's are on a cluster.
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put(CATALOG + ".glue.endpoint", moto.endpoint().toString());
        endpoints.put(CATALOG + ".s3.endpoint", moto.endpoint().toString());
        endpoints.put(CATALOG + ".s3.path-style-access", "true");
        endpoints.put(CATALOG + ".client.region", MotoServer.REGION);
        endpoints.put(CATALOG + ".http-client.type", "urlconnection");
        // Another JVM (the spark-jdbc step) commits too: read the table as it is now, not as cached.
        endpoints.put(CATALOG + ".cache-enabled", "false");
        cluster = localCluster(endpoints);
        // The test's own Spark session (reading the tables) sees the catalog as the steps do.
        sparkDefaults.putAll(endpoints);
        sparkDefaults.forEach(System::setProperty);
        System.setProperty("aws.accessKeyId", "testing");
        System.setProperty("aws.secretAccessKey", "testing");
    }

    @AfterAll
    static void forgetTheCatalog() {
        stopSpark();
        sparkDefaults.keySet().forEach(System::clearProperty);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("SET time_zone = '+00:00'");
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    /** One table's job: lastmodified on updated_at (lag 60 s), into the Iceberg table of the same name. */
    private static JobDefinition job(String importer, String table, String mode) throws Exception {
        Path examples = Path.of(System.getProperty("repo.root"), "examples");
        String json = """
                {"importer": "%s",
                 "source": {"jdbcUrl": "%s", "username": "%s", "passwordParameter": "%s", "stagingFormat": "avro",
                   "tables": [{"name": "%s", "mappers": 1,
                     "incremental": {"column": "updated_at", "mode": "lastmodified", "lagSeconds": 60}}]},
                 "target": {"s3Uri": "%s", "format": "iceberg", "database": "%s", "mode": "%s"}}"""
                .formatted(importer, db.jdbcUrl(), db.user(), SECRET, table, WAREHOUSE, DATABASE, mode);
        return new JobDefinitionParser(PREFIX).parse("ice", defaults(), json,
                "jobs/ice@1");
    }

    /**
     * A run: the launcher's request for its window, its cluster run locally (its spark-defaults as the Spark
     * configuration, the Spark steps in this JVM); the first failed step (no later one completes), else the last.
     */
    private static StepRun run(JobDefinition definition, RunIdentity run, Instant trigger, RunWindow window) {
        RunJobFlowRequest request = ClusterRequestBuilder.build(definition, run, trigger, window, SETTINGS, assets);
        for (StepConfig step : request.steps()) {
            if (step.hadoopJarStep().jar().equals("command-runner.jar")) {
                assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class",
                        ImportSteps.SPARK_MAIN_CLASS, assets.sparkJob()), step.hadoopJarStep().args().subList(0, 6));
            }
        }
        assertEquals(WAREHOUSE, ClusterSpec.of(request).sparkDefaults().get(CATALOG + ".warehouse"));
        ClusterRun result = runCluster(request);
        List<StepRun> steps = result.steps();
        return result.failed().map(failed -> {
            assertTrue(steps.subList(steps.indexOf(failed) + 1, steps.size()).stream()
                    .noneMatch(s -> s.state().equals(StepRun.COMPLETED)), "no step after a failed one completes");
            return failed;
        }).orElse(steps.get(steps.size() - 1));
    }

    private static Commit commit(JobDefinition definition, RunIdentity run, Instant claimedAt) throws Exception {
        JobDefinition.Table table = definition.source().tables().get(0);
        String manifest = s3Root.resolve("contract-lake/warehouse/_manifests/" + DATABASE + "/"
                + table.target().table() + "/ingest_date=" + claimedAt.toString().substring(0, 10) + "/_run_id="
                + run.runId() + "/_manifest.json").toString();
        String text = Files.readString(Path.of(manifest));
        Matcher m = COMMIT.matcher(text);
        assertTrue(m.find(), text);
        return new Commit(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Boolean.parseBoolean(m.group(6)));
    }

    private static String table(String name) {
        return ImportSteps.CATALOG + "." + DATABASE + "." + name;
    }

    private static Dataset<Row> rows(String table) {
        return spark().table(table(table)).drop("_run_id", "_ingested_at");
    }

    private static long snapshots(String table) {
        return spark().sql("SELECT * FROM " + table(table) + ".snapshots").count();
    }

    /** The table holds exactly the source's rows, column for column, type for type. */
    private static void assertMirrors(String table, String sourceTable) {
        Dataset<Row> source = source(sourceTable);
        Dataset<Row> target = rows(table).selectExpr(source.columns());
        assertEquals(types(source), types(target));
        assertEquals(source.orderBy("id").collectAsList(), target.orderBy("id").collectAsList());
    }

    private static RunIdentity identity(Instant trigger) {
        return RunIdentity.of("emr-ingest", "ice", trigger.toString());
    }

    private static JobState state = JobState.empty("ice");
    private static Commit lastCommit;
    private static final Instant[] TRIGGERS = {Instant.parse("2026-11-25T02:00:00Z"),
            Instant.parse("2026-11-25T03:00:00Z"), Instant.parse("2026-11-25T04:00:00Z"),
            Instant.parse("2026-11-25T05:00:00Z")};

    /** A lastmodified run's success moves the job's state to its window's end, as the recorder does. */
    private static RunWindow window(JobDefinition definition, JobState before, Instant trigger) {
        return Windows.regular(definition, before, trigger, identity(trigger), trigger);
    }

    private static JobState settled(JobState before, RunWindow window, Instant trigger) {
        Map<String, JobState.TableState> ends = new LinkedHashMap<>();
        window.tables().forEach((t, w) -> ends.put(t, new JobState.TableState(w.mode(), w.to(), null)));
        return before.advanced(ends, trigger.plusSeconds(600));
    }

    @Test
    @Order(1)
    void threeLastmodifiedRunsMergedByThePrimaryKeyLeaveTheSourcesRowsAfterEach() throws Exception {
        JobDefinition definition = job("spark-jdbc", "ice_orders", "merge");
        sql("INSERT INTO ice_orders VALUES (1, 'new', 10.5, 1, '2026-11-25 01:00:00'),"
                + " (2, 'new', 20.25, 2, '2026-11-25 01:30:00'), (3, 'new', NULL, NULL, '2026-11-25 01:58:59')");
        String[][] between = {
                {"INSERT INTO ice_orders VALUES (4, 'new', 4.000, 40, '2026-11-25 02:10:00')",
                        "UPDATE ice_orders SET status = 'shipped', updated_at = '2026-11-25 02:20:00' WHERE id = 2",
                        "UPDATE ice_orders SET status = 'paid', amount = 11.5, updated_at = '2026-11-25 02:30:00'"
                                + " WHERE id = 1"},
                {"UPDATE ice_orders SET status = 'done', views = 41, updated_at = '2026-11-25 03:10:00' WHERE id = 4",
                        "INSERT INTO ice_orders VALUES (5, 'new', 5.5, 50, '2026-11-25 03:20:00')",
                        "UPDATE ice_orders SET status = 'late', updated_at = '2026-11-25 03:30:00' WHERE id = 3"}};
        long[][] counts = {{3, 0}, {1, 2}, {1, 2}};
        for (int n = 0; n < 3; n++) {
            RunWindow window = window(definition, state, TRIGGERS[n]);
            StepRun result = run(definition, identity(TRIGGERS[n]), TRIGGERS[n], window);
            assertEquals(0, result.exitCode(), result.output());
            state = settled(state, window, TRIGGERS[n]);
            assertMirrors("ice_orders", "ice_orders");
            lastCommit = commit(definition, identity(TRIGGERS[n]), TRIGGERS[n]);
            assertEquals(new Commit(DATABASE + ".ice_orders", lastCommit.snapshotId(), counts[n][0], counts[n][1], 0,
                    true), lastCommit, "run " + (n + 1));
            assertEquals(n + 1, snapshots("ice_orders"), "one commit per run");
            if (n < 2) {
                sql(between[n]);
            }
        }
        // What Athena reads: a Glue table of type ICEBERG whose metadata lies under the warehouse.
        software.amazon.awssdk.services.glue.model.Table glue;
        try (GlueClient client = GlueClient.builder().endpointOverride(moto.endpoint())
                .credentialsProvider(moto.credentials()).region(Region.of(MotoServer.REGION))
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            glue = client.getTable(r -> r.databaseName(DATABASE).name("ice_orders")).table();
        }
        assertEquals("ICEBERG", glue.parameters().get("table_type"));
        assertTrue(glue.parameters().get("metadata_location").startsWith(WAREHOUSE + "/" + DATABASE
                + ".db/ice_orders/metadata/"), glue.parameters().toString());
        Row snapshot = spark().sql("SELECT summary FROM " + table("ice_orders") + ".snapshots WHERE snapshot_id = "
                + lastCommit.snapshotId()).first();
        Map<String, String> summary = snapshot.getJavaMap(0);
        assertEquals(identity(TRIGGERS[2]).runId(), summary.get("emr-ingest.run-id"));
        assertEquals(TRIGGERS[2].toString(), summary.get("emr-ingest.run-key"));
    }

    @Test
    @Order(2)
    void aRunRetriedAfterItsCommitChangesNothing() throws Exception {
        JobDefinition definition = job("spark-jdbc", "ice_orders", "merge");
        List<Row> before = rows("ice_orders").orderBy("id").collectAsList();
        // The third run again, with the window its claim recorded (the state has moved past it).
        RunWindow window = Windows.regular(definition, JobState.empty("ice"), TRIGGERS[2], identity(TRIGGERS[2]),
                TRIGGERS[2]);
        RunWindow recorded = new RunWindow(window.backfill(), window.tables().entrySet().stream().collect(
                java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> new RunWindow.TableWindow(
                        e.getValue().mode(), e.getValue().column(), Instant.parse("2026-11-25T02:59:00Z"),
                        e.getValue().to(), null, null, e.getValue().manifest()))));
        StepRun result = run(definition, identity(TRIGGERS[2]), TRIGGERS[2], recorded);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("already committed to " + table("ice_orders") + " in snapshot "
                + lastCommit.snapshotId()), result.output());
        assertEquals(3, snapshots("ice_orders"));
        assertEquals(before, rows("ice_orders").orderBy("id").collectAsList());
        Commit again = commit(definition, identity(TRIGGERS[2]), TRIGGERS[2]);
        assertEquals(new Commit(lastCommit.table(), lastCommit.snapshotId(), lastCommit.added(), lastCommit.updated(),
                0, false), again);
    }

    @Test
    @Order(3)
    void aNarrowingTypeChangeFailsTheStepNamingTheColumnAndLeavesTheTableAsItWas() throws Exception {
        JobDefinition definition = job("spark-jdbc", "ice_orders", "merge");
        List<Row> before = rows("ice_orders").orderBy("id").collectAsList();
        List<String> typesBefore = types(spark().table(table("ice_orders")));
        sql("ALTER TABLE ice_orders MODIFY views INT",
                "UPDATE ice_orders SET views = 7, updated_at = '2026-11-25 04:10:00' WHERE id = 5");
        RunWindow window = window(definition, state, TRIGGERS[3]);
        StepRun result = run(definition, identity(TRIGGERS[3]), TRIGGERS[3], window);
        assertNotEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("column views is BIGINT in the table and INT in the source"),
                result.output());
        assertEquals(3, snapshots("ice_orders"));
        assertEquals(typesBefore, types(spark().table(table("ice_orders"))));
        assertEquals(before, rows("ice_orders").orderBy("id").collectAsList());
    }

    @Test
    @Order(4)
    void sqoopRunsMergeByTheKeyTheImportRecordedAndTakeANewColumnAndAWidening() throws Exception {
        JobDefinition definition = job("sqoop", "ice_customers", "merge");
        JobState customers = JobState.empty("ice");
        sql("INSERT INTO ice_customers VALUES (1, 'Zoë', 3, '2026-11-25 01:00:00'),"
                + " (2, 'Ana', NULL, '2026-11-25 01:10:00')");
        RunWindow first = window(definition, customers, TRIGGERS[0]);
        StepRun result = run(definition, identity(TRIGGERS[0]), TRIGGERS[0], first);
        assertEquals(0, result.exitCode(), result.output());
        assertMirrors("ice_customers", "ice_customers");
        customers = settled(customers, first, TRIGGERS[0]);

        sql("ALTER TABLE ice_customers ADD COLUMN country CHAR(2)", "ALTER TABLE ice_customers MODIFY visits BIGINT",
                "UPDATE ice_customers SET visits = 5000000000, country = 'PT', updated_at = '2026-11-25 02:05:00'"
                        + " WHERE id = 1",
                "INSERT INTO ice_customers VALUES (3, 'Kim', 1, '2026-11-25 02:06:00', 'KR')");
        RunWindow second = window(definition, customers, TRIGGERS[1]);
        result = run(definition, identity(TRIGGERS[1]), TRIGGERS[1], second);
        assertEquals(0, result.exitCode(), result.output());
        assertMirrors("ice_customers", "ice_customers");
        Commit commit = commit(definition, identity(TRIGGERS[1]), TRIGGERS[1]);
        assertEquals(1, commit.added());
        assertEquals(1, commit.updated());
        assertEquals(2, snapshots("ice_customers"));
        assertTrue(types(spark().table(table("ice_customers"))).containsAll(List.of("visits:BIGINT",
                "country:STRING")));
    }

    @Test
    @Order(5)
    void anAppendJobKeepsEveryRowVersionExactlyOnce() throws Exception {
        JobDefinition definition = job("sqoop", "ice_status", "append");
        JobState status = JobState.empty("ice");
        List<String> versions = new ArrayList<>(List.of("1|new|2026-11-25T01:00:00Z", "2|new|2026-11-25T01:20:00Z"));
        sql("INSERT INTO ice_status VALUES (1, 'new', '2026-11-25 01:00:00'), (2, 'new', '2026-11-25 01:20:00')");
        for (int n = 0; n < 2; n++) {
            RunWindow window = window(definition, status, TRIGGERS[n]);
            StepRun result = run(definition, identity(TRIGGERS[n]), TRIGGERS[n], window);
            assertEquals(0, result.exitCode(), result.output());
            status = settled(status, window, TRIGGERS[n]);
            if (n == 0) {
                sql("UPDATE ice_status SET status = 'paid', updated_at = '2026-11-25 02:30:00' WHERE id = 1");
                versions.add("1|paid|2026-11-25T02:30:00Z");
            }
        }
        List<String> stored = rows("ice_status").collectAsList().stream().map(r -> r.get(0) + "|" + r.get(1) + "|"
                + r.getTimestamp(2).toInstant()).sorted().toList();
        assertEquals(versions.stream().sorted().toList(), stored);
        assertEquals(2, snapshots("ice_status"));
        assertFalse(stored.isEmpty());
    }

    @Test
    @Order(6)
    void thePasswordIsInNoStepArgumentProcessArgumentLogLineOrFileLeftBehind() throws Exception {
        // PrimaryKey read the key with the password from the store: its command line names only the store and alias.
        assertTrue(processArgs.stream().anyMatch(a -> a.contains("dev.emringest.spark.PrimaryKey")
                && a.contains("jceks://file")), "the watcher saw PrimaryKey's command line");
        assertPasswordNowhereAfterTheRuns(a -> a.contains("dev.emringest.spark.IngestJob")
                && a.contains("--target-table"), "spark-jdbc's IngestJob", true, List.of(cluster.hdfsRoot()),
                "emr-ingest-");
    }
}
