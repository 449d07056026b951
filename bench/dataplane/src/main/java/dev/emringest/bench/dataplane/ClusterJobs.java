package dev.emringest.bench.dataplane;

import dev.emringest.aws.AwsClients;
import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.ClusterSpec;
import dev.emringest.cluster.LocalCluster;
import dev.emringest.cluster.StepRun;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.launcher.ClusterAssets;
import dev.emringest.launcher.ClusterRequestBuilder;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.local.MariaDbServer;
import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job run as its cluster runs it, as the contract tests run it: the definition parsed by
 * {@link JobDefinitionParser}, the launcher's own request ({@link ClusterRequestBuilder}) with the assets the
 * launcher published ({@link ClusterAssets}) to moto's S3, and that request's bootstrap action and steps run by
 * {@link LocalCluster} on a new node (a transient cluster per run), the Spark job in its own JVM through the
 * spark-submit stand-in ({@link LocalCluster.Spark#SUBMIT}), as EMR runs spark-submit. Then every table's row count
 * is checked.
 */
final class ClusterJobs {

    private static final String PREFIX = "/emr-ingest";
    private static final String STACK = "emr-ingest";
    private static final String JOB = "dataplane";
    private static final String SECRET = PREFIX + "/secrets/bench-db";
    private static final String CLUSTER_BUCKET = "emr-ingest-cluster";
    private static final String LAKE = "bench-lake";
    private static final String CA_KEY = "bench/mariadb-ca.pem";
    /** The claim's time: the runs' {@code ingest_date}. */
    private static final Instant CLAIMED_AT = Instant.parse("2026-01-15T02:00:00Z");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One job as it ran: the steps' wall time (first step's start to last step's end; the bootstrap actions, a local
     * copy of the driver and the trust store's build here, are not the data plane's), the database's CPU time
     * meanwhile, the rows imported (every table's count checked), each step's seconds, and the share of the machine's
     * CPU other processes took meanwhile ({@link MachineLoad}).
     */
    record Measurement(double seconds, double dbCpuSeconds, long rows, Map<String, Double> steps,
                       double othersCpuShare) {}

    private final MotoServer moto;
    private final MariaDbServer db;
    private final SourceDatabase source;
    private final Path sqoopClasspath;
    private final Path work;
    private final String defaults;
    private final ClusterAssets.Published assets;
    private final LauncherSettings settings = new LauncherSettings(STACK, MotoServer.REGION, PREFIX, "ledger",
            CLUSTER_BUCKET, "svc-role", "instance-profile", List.of(), "", List.of(), List.of());
    private int clusters;

    /** Seeds moto as the account: the cluster bucket, the password in SSM, the launcher's assets published. */
    ClusterJobs(MotoServer moto, MariaDbServer db, SourceDatabase source, Path repo, Path work) throws IOException {
        this.moto = moto;
        this.db = db;
        this.source = source;
        this.sqoopClasspath = repo.resolve("testing/sqoop-runtime/target/sqoop.classpath");
        this.work = work;
        this.defaults = Files.readString(repo.resolve("examples/defaults.json"));
        AwsClients aws = moto.clients();
        aws.s3().createBucket(r -> r.bucket(CLUSTER_BUCKET));
        aws.ssm().putParameter(r -> r.name(SECRET).type(ParameterType.SECURE_STRING).value(db.password()));
        aws.s3().putObject(r -> r.bucket(CLUSTER_BUCKET).key(CA_KEY), RequestBody.fromString(db.caPem()));
        this.assets = new ClusterAssets(aws.s3(), CLUSTER_BUCKET).publish();
    }

    /**
     * Runs a job of these tables (each {@code splitBy id}, 4 mappers or partitions) with this importer on a new
     * node, and checks that every table's {@code _manifest.json} and the Parquet files it lists hold the source's
     * row count.
     *
     * @param runKey the run's key; each run needs its own (its own run id and directories)
     * @throws IllegalStateException when a step failed or a count differs
     */
    Measurement run(String importer, List<String> tables, String runKey) {
        JobDefinition definition = new JobDefinitionParser(PREFIX).parse(JOB, defaults, job(importer, tables),
                "jobs/" + JOB + "@1");
        RunIdentity run = RunIdentity.of(STACK, JOB, runKey);
        RunJobFlowRequest request = ClusterRequestBuilder.build(definition, run, CLAIMED_AT, settings, assets);
        Path node = work.resolve("cluster-" + ++clusters);
        Path lake = node.resolve(LAKE);
        LocalCluster cluster = new LocalCluster(node.resolve("node"), moto, sqoopClasspath, Map.of(LAKE, lake),
                LocalCluster.Spark.SUBMIT, Map.of());
        try {
            MachineLoad load = new MachineLoad();
            double cpu = source.cpuSeconds();
            ClusterRun ran = cluster.run(ClusterSpec.of(request), new LocalCluster.Listener() {});
            cpu = source.cpuSeconds() - cpu;
            double others = load.othersShare();
            requireCompleted(importer, tables, ran);
            Map<String, Double> steps = new LinkedHashMap<>();
            ran.steps().forEach(s -> steps.merge(s.name(), seconds(s.started(), s.ended()), Double::sum));
            long rows = checkCounts(tables, run.runId(), lake);
            return new Measurement(seconds(ran.steps().get(0).started(), ran.steps().get(ran.steps().size() - 1)
                    .ended()), cpu, rows, steps, others);
        } finally {
            delete(node);
        }
    }

    /**
     * The job definition over {@code examples/defaults.json}: the bench's database and tables over verified TLS (as
     * production reads, and as the raw read's client encrypts); spark-jdbc on a release without Sqoop (emr-7.10.0), as
     * the contract tests run it.
     */
    private String job(String importer, List<String> tables) {
        String list = tables.stream().map(t -> "{\"name\": \"" + t + "\", \"splitBy\": \"id\", \"mappers\": 4}")
                .collect(Collectors.joining(", "));
        return """
                {"importer": "%s",
                 "source": {"jdbcUrl": "%s", "username": "%s", "passwordParameter": "%s", "tables": [%s],
                            "tls": {"mode": "verify-identity", "ca": "s3://%s/%s"}},
                 "target": {"s3Uri": "s3://%s/raw"}%s}"""
                .formatted(importer, db.jdbcUrl(), db.user(), SECRET, list, CLUSTER_BUCKET, CA_KEY, LAKE,
                        importer.equals("spark-jdbc") ? ", \"cluster\": {\"releaseLabel\": \"emr-7.10.0\"}" : "");
    }

    private static void requireCompleted(String importer, List<String> tables, ClusterRun ran) {
        if (!ran.bootstrap().completed()) {
            throw new IllegalStateException("the bootstrap action failed:\n" + ran.bootstrap().output());
        }
        if (ran.steps().isEmpty()) {
            throw new IllegalStateException("the launcher asked for no steps");
        }
        ran.failed().ifPresent(step -> {
            throw new IllegalStateException(importer + " job of " + tables + ": step " + step.name() + " "
                    + step.state() + ", its log ends:\n" + tail(step));
        });
    }

    private static String tail(StepRun step) {
        List<String> lines = step.output().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * Every table of the job has exactly one {@code _manifest.json} of this run under the lake, wherever the job
     * writes it, whose {@code rowCount} and whose Parquet files' row counts (their footers) equal the source's.
     *
     * @return the rows imported
     */
    private long checkCounts(List<String> tables, String runId, Path lake) {
        Map<String, Path> manifests = new HashMap<>();
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.exists(lake) ? Files.walk(lake) : Stream.empty()) {
            for (Path file : files.filter(p -> p.getFileName().toString().equals("_manifest.json")).toList()) {
                JsonNode manifest = JSON.readTree(file.toFile());
                String table = manifest.path("table").asString().toLowerCase(Locale.ROOT);
                if (!runId.equals(manifest.path("runId").asString())) {
                    problems.add(file + " is of run " + manifest.path("runId") + ", not " + runId);
                } else if (manifests.containsKey(table)) {
                    problems.add("two manifests of table " + table + ": " + manifests.get(table) + " and " + file);
                } else {
                    manifests.put(table, file);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long total = 0;
        for (String table : tables) {
            long expected = source.rows(table);
            Path file = manifests.get(table);
            if (file == null) {
                problems.add(table + ": no _manifest.json under " + lake);
                continue;
            }
            JsonNode manifest = JSON.readTree(file.toFile());
            long reported = manifest.path("rowCount").asLong(-1);
            long written = 0;
            for (JsonNode part : manifest.path("files")) {
                written += parquetRows(file.resolveSibling(part.path("name").asString()));
            }
            if (reported != expected || written != expected) {
                problems.add(table + ": the source has " + expected + " rows, the manifest says " + reported
                        + ", its Parquet files hold " + written + " (" + file + ")");
            }
            total += expected;
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("ROW COUNTS DO NOT MATCH:\n  " + String.join("\n  ", problems));
        }
        return total;
    }

    private static long parquetRows(Path file) {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))) {
            return reader.getRecordCount();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Parquet footer of " + file, e);
        }
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
