package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.aws.AwsClients;
import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.ClusterSpec;
import dev.emringest.cluster.LocalCluster;
import dev.emringest.cluster.StepRun;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.json.JsonDocuments;
import dev.emringest.launcher.ClusterAssets;
import dev.emringest.launcher.ClusterRequestBuilder;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.local.MariaDbServer;
import dev.emringest.local.MotoServer;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * What every data-plane contract test stands on: moto as the account (the password in SSM, the assets published by the
 * launcher's own {@link ClusterAssets}), a MariaDB server with the source tables, a node directory for the steps, and
 * Spark in local mode to read both sides.
 */
abstract class ContractTestBase {

    static final String PREFIX = "/emr-ingest";
    static final String SECRET = PREFIX + "/secrets/contract-db";
    static final String WRONG_SECRET = PREFIX + "/secrets/contract-db-wrong";
    static final String BUCKET = "emr-ingest-cluster";
    /** The secret name prefix the tests' stack grants its clusters (SourceSecretPrefixes). */
    static final String CONTRACT_SECRETS = "contract/";
    /** The test MariaDB's CA, which every job trusts by default (its {@code source.tls.ca}). */
    static final String CA = "s3://" + BUCKET + "/contract/mariadb-ca.pem";
    static final int BIG_ROWS = SourceTables.BIG_ROWS;
    /** The job's tables for {@link #assertTargetsEqualTheSource}: {@code events} read by 4 mappers. */
    static final String TYPED_AND_EVENTS = """
            {"name": "typed", "mappers": 1},
            {"name": "events", "splitBy": "id", "mappers": 4}""";

    @TempDir
    static Path work;

    static MotoServer moto;
    static MariaDbServer db;
    static AwsClients aws;
    /** The node the requests' clusters run on ({@code work/node}): the Spark job in this JVM. */
    static LocalCluster cluster;
    static ClusterAssets.Published assets;
    static Path s3Root;
    static SparkSession spark;
    static final List<String> stepLogs = new ArrayList<>();
    static final List<String> processArgs = new ArrayList<>();
    static final List<List<String>> stepArgs = new ArrayList<>();

    @BeforeAll
    static void startTheWorld() throws Exception {
        moto = MotoServer.shared();
        moto.reset();
        db = MariaDbServer.shared();
        aws = AwsClients.forEndpoint(moto.endpoint(), MotoServer.REGION, moto.credentials(), Duration.ofSeconds(30),
                Duration.ofSeconds(10));
        aws.s3().createBucket(r -> r.bucket(BUCKET));
        aws.ssm().putParameter(r -> r.name(SECRET).type(ParameterType.SECURE_STRING).value(db.password()));
        aws.ssm().putParameter(r -> r.name(WRONG_SECRET).type(ParameterType.SECURE_STRING)
                .value("not-" + db.password()));
        aws.s3().putObject(r -> r.bucket(BUCKET).key(CA.substring(("s3://" + BUCKET + "/").length())),
                RequestBody.fromString(db.caPem()));
        // The launcher's own publishing: the scripts, spark-job.jar and the driver, content-addressed in S3.
        assets = new ClusterAssets(aws.s3(), BUCKET).publish();
        s3Root = Files.createDirectories(work.resolve("s3"));
        cluster = localCluster(Map.of());
        SourceTables.create(db);
        System.setProperty("spark.master", "local[2]");
        System.setProperty("spark.sql.shuffle.partitions", "4");
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.sql.session.timeZone", "UTC");
        stepLogs.clear();
        processArgs.clear();
        stepArgs.clear();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
        // The Spark steps run in this JVM too: the next class starts its own session with its own settings.
        var session = SparkSession.getDefaultSession();
        if (session.isDefined()) {
            session.get().stop();
        }
    }

    /**
     * The node under {@code work/node}: Sqoop from {@code testing/sqoop-runtime}, {@code s3://contract-lake/}
     * a directory under {@link #s3Root}, command-runner's Spark steps in this JVM.
     */
    static LocalCluster localCluster(Map<String, String> sparkOverrides) {
        String sqoopClasspath = System.getProperty("sqoop.classpath.file");
        if (sqoopClasspath == null) {
            throw new IllegalStateException("sqoop.classpath.file is not set (see this module's pom)");
        }
        return new LocalCluster(work.resolve("node"), moto, Path.of(sqoopClasspath),
                Map.of("contract-lake", s3Root.resolve("contract-lake")), LocalCluster.Spark.IN_PROCESS,
                sparkOverrides);
    }

    static JobDefinition definition(String jobJson) throws IOException {
        return new JobDefinitionParser(PREFIX).parse("contract", defaults(), jobJson, "jobs/contract@1");
    }

    /**
     * The example defaults, and TLS as production has it: verified, identity included, against the test MariaDB's CA
     * (its certificate names 127.0.0.1). A job's own {@code source.tls} replaces it.
     */
    static String defaults() throws IOException {
        JsonObject defaults = JsonDocuments.read(exampleDefaults()).asJsonObject();
        return JsonDocuments.JSON.createObjectBuilder(defaults).add("source", JsonDocuments.JSON.createObjectBuilder()
                .add("tls", JsonDocuments.JSON.createObjectBuilder().add("mode", "verify-identity").add("ca", CA)))
                .build().toString();
    }

    /** {@code examples/defaults.json} as it is. */
    static String exampleDefaults() throws IOException {
        return Files.readString(Path.of(System.getProperty("repo.root"), "examples", "defaults.json"));
    }

    static RunJobFlowRequest request(JobDefinition definition, String runKey, Instant claimedAt) {
        LauncherSettings settings = new LauncherSettings("emr-ingest", MotoServer.REGION, PREFIX, "ledger",
                BUCKET, "svc-role", "instance-profile", List.of(), "", List.of("shop", "contract"), List.of(CONTRACT_SECRETS));
        return ClusterRequestBuilder.build(definition, RunIdentity.of("emr-ingest", "contract", runKey),
                claimedAt, settings, assets);
    }

    /** The request for a job of {@code jobJson}, claimed at no particular time. */
    static RunJobFlowRequest request(String jobJson, String runKey) throws IOException {
        return request(definition(jobJson), runKey, null);
    }

    static SparkSession spark() {
        spark = SparkSession.builder().getOrCreate();
        return spark;
    }

    /** A source table as MariaDB holds it, read over JDBC. */
    static Dataset<Row> source(String table) {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        props.setProperty("password", db.password());
        return spark().read().jdbc(db.jdbcUrl(), table, props);
    }

    /** One run's rows of a table under {@code lake} (the local stand-in for the job's target), without our columns. */
    static Dataset<Row> target(String lake, String table, String runId) {
        return spark().read().parquet(s3Root.resolve(lake).resolve(table).toUri().toString())
                .where("_run_id = '" + runId + "'")
                .drop("_run_key", "_ingested_at", "ingest_date", "_run_id");
    }

    /**
     * Runs the request's cluster on {@link #cluster}: the bootstrap action (which must install the MySQL driver),
     * then its steps in order as EMR would; keeps each step's arguments (as the request has them), log and the
     * command lines seen while it ran as evidence for {@link #assertPasswordNowhere}.
     */
    static ClusterRun runCluster(RunJobFlowRequest request) {
        ClusterRun run = cluster.run(ClusterSpec.of(request), new LocalCluster.Listener() {
            @Override
            public void stepStarted(ClusterSpec.Step step) {
                stepArgs.add(step.args());
            }

            @Override
            public void stepEnded(StepRun step) {
                stepLogs.add(step.output());
                processArgs.addAll(step.commandLines());
                if (StepRun.FAILED.equals(step.state())) {
                    System.err.println("step " + step.name() + " failed:\n" + step.output());
                }
            }
        });
        stepLogs.add(run.bootstrap().output());
        assertEquals(StepRun.COMPLETED, run.bootstrap().state(), run.bootstrap().output());
        assertTrue(Files.isRegularFile(cluster.libDir().resolve("mysql-connector-j.jar")));
        return run;
    }

    static List<String> states(ClusterRun run) {
        return run.steps().stream().map(StepRun::state).toList();
    }

    /** Every step ran and completed. */
    static void assertSucceeded(ClusterRun run) {
        for (StepRun step : run.steps()) {
            assertEquals(StepRun.COMPLETED, step.state(), step.name() + ": " + step.output());
            assertEquals(0, step.exitCode(), step.output());
        }
        assertTrue(run.allCompleted());
    }

    /** The step failed, and its log says why. */
    static void assertFailedWith(StepRun step, String... causes) {
        assertEquals(StepRun.FAILED, step.state(), step.output());
        assertNotEquals(0, step.exitCode(), step.output());
        for (String cause : causes) {
            assertTrue(step.output().contains(cause), step.output());
        }
    }

    /** The step could not read the absent secret, and stopped before running the import. */
    static void assertStoppedForTheAbsentSecret(StepRun step) {
        assertEquals(StepRun.FAILED, step.state(), step.output());
        assertEquals(1, step.exitCode(), step.output());
        assertTrue(step.output().contains("could not read the password from SSM parameter " + PREFIX
                + "/secrets/absent"), step.output());
        assertFalse(step.output().contains("running:"), step.output());
    }

    /**
     * Tables {@code typed} (every type, a Unicode row, an all-NULL row) and {@code events} ({@link #BIG_ROWS} rows)
     * of one run under {@code lake} equal their source row for row and type for type.
     */
    static void assertTargetsEqualTheSource(String lake, String runId) {
        Dataset<Row> typedSource = source("typed");
        Dataset<Row> typedTarget = target(lake, "typed", runId);
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
        Dataset<Row> eventsTarget = target(lake, "events", runId);
        assertEquals(types(eventsSource), types(eventsTarget));
        assertEquals(BIG_ROWS, eventsTarget.count());
        assertEquals(0, eventsSource.exceptAll(eventsTarget).count());
        assertEquals(0, eventsTarget.exceptAll(eventsSource).count());
    }

    /**
     * The {@code events} run partition's manifest: its row count, each Parquet file beside it and each column of
     * {@code target} named in it.
     *
     * @return the manifest
     */
    static String assertManifestDescribes(Path partition, Dataset<Row> target) throws IOException {
        String manifest = Files.readString(partition.resolve("_manifest.json"));
        assertTrue(manifest.contains("\"rowCount\":" + BIG_ROWS + ","), manifest);
        for (Path part : parquetFiles(partition)) {
            assertTrue(manifest.contains("\"name\":\"" + part.getFileName() + "\""), manifest);
        }
        for (StructField field : target.schema().fields()) {
            assertTrue(manifest.contains("\"name\":\"" + field.name() + "\""), manifest);
        }
        return manifest;
    }

    static List<Path> parquetFiles(Path partition) throws IOException {
        try (Stream<Path> files = Files.list(partition)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
    }

    /**
     * After the runs above: they left evidence (step arguments, logs, command lines, among them the importer's and,
     * when the password went through a credential store, StoreCredential's), and the password is in none of it
     * ({@link #assertPasswordNowhere}).
     *
     * @param importer     whether a command line is the importer's, as the process watcher saw it
     * @param throughStore whether the runs stored the password with StoreCredential
     */
    static void assertPasswordNowhereAfterTheRuns(Predicate<String> importer, String importerName,
                                                  boolean throughStore, List<Path> extraRoots, String workDirPrefix)
            throws IOException {
        assertFalse(stepArgs.isEmpty() || stepLogs.isEmpty() || processArgs.isEmpty(),
                "the runs above produced no evidence");
        assertTrue(processArgs.stream().anyMatch(importer), "the watcher saw " + importerName + "'s command line");
        if (throughStore) {
            assertTrue(processArgs.stream().anyMatch(a -> a.contains("dev.emringest.credentials.StoreCredential")),
                    "the watcher saw StoreCredential's command line");
        }
        assertPasswordNowhere(db.password(), extraRoots, workDirPrefix);
    }

    static List<String> types(Dataset<Row> data) {
        return Arrays.stream(data.schema().fields()).map(f -> f.name() + ":" + f.dataType().sql()).toList();
    }

    /**
     * The password is in no step argument, process argument list or step log seen so far, in no file under the node's
     * scratch dirs, {@code extraRoots}, the local S3 or the node (its hdfs, fetched scripts and step logs among it),
     * and no credential store or private work dir ({@code workDirPrefix}) is left.
     */
    static void assertPasswordNowhere(String password, List<Path> extraRoots, String workDirPrefix) throws IOException {
        for (List<String> args : stepArgs) {
            assertFalse(String.join(" ", args).contains(password), "a step argument holds the password");
        }
        for (String line : processArgs) {
            assertFalse(line.contains(password), "a process argument list holds the password");
        }
        for (String log : stepLogs) {
            assertFalse(log.contains(password), "a step's log holds the password");
        }
        List<Path> roots = new ArrayList<>(cluster.scratchDirs());
        roots.addAll(extraRoots);
        roots.add(s3Root);
        roots.add(work.resolve("node"));
        byte[] needle = password.getBytes(StandardCharsets.UTF_8);
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    assertFalse(file.getFileName().toString().endsWith(".jceks"), "credential store left: " + file);
                    assertFalse(contains(Files.readAllBytes(file), needle), "the password is in " + file);
                }
            }
        }
        try (Stream<Path> left = Files.list(cluster.tmp())) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(workDirPrefix)).collect(Collectors.toList()));
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
