package dev.emringest.contract;

import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.launcher.ClusterAssets;
import dev.emringest.launcher.ClusterRequestBuilder;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.local.MariaDbServer;
import dev.emringest.local.MotoServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
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
    static final int BIG_ROWS = SourceTables.BIG_ROWS;

    @TempDir
    static Path work;

    static MotoServer moto;
    static MariaDbServer db;
    static AwsClients aws;
    static StepRunner runner;
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
        // The launcher's own publishing: the scripts, spark-job.jar and the driver, content-addressed in S3.
        assets = new ClusterAssets(aws.s3(), BUCKET).publish();
        runner = new StepRunner(Files.createDirectories(work.resolve("node")), moto);
        s3Root = Files.createDirectories(work.resolve("s3"));
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
    }

    static JobDefinition definition(String jobJson) throws IOException {
        Path examples = Path.of(System.getProperty("repo.root"), "examples");
        return new JobDefinitionParser(PREFIX).parse("contract", Files.readString(examples.resolve("defaults.json")),
                jobJson, "jobs/contract@1");
    }

    static RunJobFlowRequest request(JobDefinition definition, String runKey, Instant claimedAt) {
        LauncherSettings settings = new LauncherSettings("emr-ingest", MotoServer.REGION, PREFIX, "ledger",
                BUCKET, "svc-role", "instance-profile", List.of(), "");
        return ClusterRequestBuilder.build(definition, RunIdentity.of("emr-ingest", "contract", runKey),
                claimedAt, settings, assets);
    }

    /** The S3 object a bootstrap action or script-runner step names, fetched as EMR fetches it. */
    static Path fetch(String s3Uri) throws IOException {
        String rest = s3Uri.substring("s3://".length());
        String bucket = rest.substring(0, rest.indexOf('/'));
        String key = rest.substring(rest.indexOf('/') + 1);
        Path local = Files.createDirectories(work.resolve("fetched").resolve(bucket).resolve(key).getParent())
                .resolve(key.substring(key.lastIndexOf('/') + 1));
        Files.deleteIfExists(local);
        aws.s3().getObject(r -> r.bucket(bucket).key(key), ResponseTransformer.toFile(local));
        return local;
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

    static List<String> types(Dataset<Row> data) {
        return Arrays.stream(data.schema().fields()).map(f -> f.name() + ":" + f.dataType().sql()).toList();
    }

    /**
     * The password is in no step argument, process argument list or step log seen so far, in no file under the node's
     * scratch dirs, {@code extraRoots}, the local S3 or the node, and no credential store or private work dir
     * ({@code workDirPrefix}) is left.
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
        List<Path> roots = new ArrayList<>(runner.scratchDirs());
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
        try (Stream<Path> left = Files.list(runner.tmp())) {
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
