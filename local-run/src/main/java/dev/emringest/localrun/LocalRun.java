package dev.emringest.localrun;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.aws.AwsClients;
import dev.emringest.cluster.ClusterRun;
import dev.emringest.cluster.ClusterSpec;
import dev.emringest.cluster.LocalCluster;
import dev.emringest.launcher.ImportSteps;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.LauncherInit;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.launcher.ScheduleHandler;
import dev.emringest.ledger.Ledger;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MariaDbServer;
import dev.emringest.local.MotoServer;
import dev.emringest.recorder.EmrEventHandler;
import dev.emringest.recorder.RecordService;
import dev.emringest.recorder.RecorderWiring;
import dev.emringest.schedules.ScheduleSyncHandler;
import dev.emringest.schedules.ScheduleSyncWiring;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The main job, end to end, on this machine, without an AWS account: a MariaDB source with the example tables, moto
 * server as the account, the schedule sync, the launcher as a schedule firing invokes it, the cluster the launcher
 * asked for run here ({@link LocalCluster}: the published bootstrap action and steps, real Sqoop and Spark), the
 * recorder told of each change as EMR tells it ({@link EmrOnThisMachine}), and what the run left: its record, its
 * events, rows per table, where the data is and its first rows.
 */
public final class LocalRun {

    static final String FIRING = "2026-11-25T02:00:00Z";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * What a run left, for its test.
     *
     * @param events   the Run State Change entries the recorder put on EventBridge
     * @param data     each table's data on this machine, by table
     * @param password the source's, which the run must never show (for its test)
     */
    public record Outcome(String record, ClusterRun cluster, List<String> events, Map<String, Path> data,
                          String jdbcUrl, String user, String password, Path work) {
        @Override
        public String toString() {
            return "Outcome[state of " + cluster.steps().size() + " steps, data " + data + ", work " + work + "]";
        }
    }

    private LocalRun() {}

    public static void main(String[] args) throws Exception {
        LocalRunOptions options = LocalRunOptions.parse(args);
        boolean expected;
        try (MotoServer moto = MotoServer.start()) {
            expected = run(moto, options, System.out).cluster().allCompleted() != options.fail();
        }
        // After moto is closed: it holds the secret, and a JVM's exit does not end its child processes.
        System.exit(expected ? 0 : 1);
    }

    /** With a MariaDB of its own for the example database (unless the options name a database). */
    public static Outcome run(MotoServer moto, LocalRunOptions options, PrintStream out) throws Exception {
        if (options.jdbcUrl() != null) {
            return run(moto, options, null, out);
        }
        installMariaDbIfMissing(options.repo(), out);
        try (MariaDbServer db = MariaDbServer.start("shop", "ingest")) {
            return run(moto, options, db, out);
        }
    }

    /** @param db where the example database goes (its tables replaced); null with the options' database */
    public static Outcome run(MotoServer moto, LocalRunOptions options, MariaDbServer db, PrintStream out)
            throws Exception {
        return run(moto, options, source(options, db, out), Files.createTempDirectory("emr-ingest-local-"), out);
    }

    /**
     * @param user null when the definition's own user is kept (the options' database)
     * @param caPem the CA of the server's certificate, which the job then trusts; null: the definition's own TLS
     */
    record Source(String jdbcUrl, String user, String password, String caPem) {}

    /** The example database in a MariaDB of its own, or the one the options name. */
    private static Source source(LocalRunOptions options, MariaDbServer db, PrintStream out) throws SQLException {
        if (options.jdbcUrl() != null) {
            String password = System.getenv(LocalRunOptions.PASSWORD_VARIABLE);
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("--jdbc-url needs the database password in the environment"
                        + " variable " + LocalRunOptions.PASSWORD_VARIABLE);
            }
            out.println("== source database " + options.jdbcUrl());
            return new Source(options.jdbcUrl(), null, password, null);
        }
        ExampleSource.create(db.jdbcUrl(), db.user(), db.password());
        out.println("== source database: MariaDB at " + db.jdbcUrl() + ", user " + db.user() + " (a random password)");
        out.println("tables orders (" + ExampleSource.ORDERS + " rows) and customers (" + ExampleSource.CUSTOMERS
                + " rows): NULLs, unicode, decimals, timestamps");
        return new Source(db.jdbcUrl(), db.user(), db.password(), db.caPem());
    }

    /** As ./verify does: testing/install-mariadb.sh installs MariaDB's server and client when they are missing. */
    private static void installMariaDbIfMissing(Path repo, PrintStream out) {
        try {
            Process install = new ProcessBuilder("bash", repo.resolve("testing/install-mariadb.sh").toString())
                    .redirectErrorStream(true).start();
            String printed = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (install.waitFor() != 0) {
                throw new IllegalStateException("installing MariaDB failed:\n" + printed);
            }
            if (!printed.isEmpty()) {
                out.println(printed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Outcome run(MotoServer moto, LocalRunOptions options, Source source, Path work, PrintStream out)
            throws Exception {
        Path repo = options.repo();
        out.println("\n== local AWS: moto server at " + moto.endpoint());
        AwsClients aws = AwsClients.forEndpoint(moto.endpoint(), MotoServer.REGION, moto.credentials(),
                Duration.ofSeconds(20), Duration.ofSeconds(10));
        ExampleAccount.seed(aws, repo.resolve("examples"), source.password());
        Path jobFile = options.job() != null ? options.job() : repo.resolve("examples/jobs/orders.json");
        String job = jobFile.getFileName().toString().replaceFirst("\\.json$", "");
        ObjectNode definition = (ObjectNode) JSON.readTree(Files.readString(jobFile));
        ObjectNode db = (ObjectNode) definition.get("source");
        db.put("jdbcUrl", source.jdbcUrl());
        if (source.user() != null) {
            db.put("username", source.user());
        }
        db.put("passwordParameter", ExampleAccount.PASSWORD_PARAMETER);
        db.remove("secret");
        if (source.caPem() != null) {
            // Verified TLS, as against RDS, with the example server's own CA in place of the RDS bundle.
            String key = "local-run/mariadb-ca.pem";
            aws.s3().putObject(r -> r.bucket(ExampleAccount.CLUSTER_BUCKET).key(key),
                    RequestBody.fromString(source.caPem()));
            db.putObject("tls").put("mode", "verify-identity").put("ca", "s3://" + ExampleAccount.CLUSTER_BUCKET
                    + "/" + key);
        }
        if (options.fail()) {
            // One table of the run fails; the others are still written and recorded.
            ((ArrayNode) db.get("tables")).addObject().put("name", LocalRunOptions.MISSING_TABLE).put("mappers", 1);
        }
        ExampleAccount.put(aws.ssm(), ExampleAccount.PREFIX + "/jobs/" + job, JSON.writeValueAsString(definition));
        out.println("seeded SSM " + ExampleAccount.PREFIX + "/defaults, " + ExampleAccount.PREFIX + "/jobs/" + job
                + " (from " + (options.job() != null ? jobFile : "examples/jobs/orders.json") + ", source.jdbcUrl "
                + source.jdbcUrl() + (source.caPem() != null ? ", source.tls verify-identity with the server's CA" : "")
                + ") and the SecureString " + ExampleAccount.PASSWORD_PARAMETER
                + (options.fail() ? "; --fail: the job also asks for table " + LocalRunOptions.MISSING_TABLE
                        + ", which the database does not have" : ""));

        out.println("\n== schedule sync <- events/parameter-store-change.json");
        invoke(new ScheduleSyncHandler(ScheduleSyncWiring.create(aws, ExampleAccount.scheduleSyncEnvironment()),
                Clock.systemUTC()), event(repo, "parameter-store-change.json"),
                new LoggedContext("ScheduleSyncFunction", out::println));
        if (definition.has("schedule")) {
            printSchedule(aws.scheduler().getSchedule(r -> r.groupName(ExampleAccount.SCHEDULE_GROUP).name(job)),
                    out);
        }

        Map<String, Object> firing = new LinkedHashMap<>(Map.of("job", job, "scheduledTime", FIRING));
        LaunchService launches = LauncherInit.create(aws,
                LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()), Clock.systemUTC());
        out.println("\n== launcher <- " + JSON.writeValueAsString(firing) + " (what the job's schedule sends)");
        Map<String, Object> launched = invoke(new ScheduleHandler(launches, ExampleAccount.STACK), firing,
                new LoggedContext("ScheduleLaunchFunction", out::println));
        String clusterId = (String) launched.get("clusterId");
        if (clusterId == null) {
            throw new IllegalStateException("the launcher started no cluster: " + launched);
        }

        EmrClient emr = aws.emr();
        printCluster(emr, clusterId, out);

        String target = definition.path("target").path("s3Uri").asText();
        String bucket = target.substring("s3://".length()).split("/", 2)[0];
        Map<String, Path> buckets = Map.of(bucket, Files.createDirectories(work.resolve("s3").resolve(bucket)));
        aws.s3().createBucket(r -> r.bucket(bucket));
        Path sqoop = repo.resolve("testing/sqoop-runtime/target/sqoop.classpath");
        LocalCluster cluster = new LocalCluster(work.resolve("cluster"), moto, sqoop, buckets, LocalCluster.Spark.SUBMIT,
                catalogOnMoto(moto));
        ClusterRun ran;
        List<String> events = new ArrayList<>();
        String record;
        try (EmrOnThisMachine here = new EmrOnThisMachine(moto)) {
            RecordService records = RecorderWiring.create(AwsClients.forEndpoint(here.endpoint(), MotoServer.REGION,
                    moto.credentials(), Duration.ofSeconds(20), Duration.ofSeconds(10)),
                    ExampleAccount.recorderEnvironment(), Clock.systemUTC(), out::println).records();
            EmrEventHandler recorder = new EmrEventHandler(records);
            out.println("\n== the cluster " + clusterId + " on this machine (work dir " + work + ")");
            ran = here.run(emr, clusterId, cluster, event -> {
                @SuppressWarnings("unchecked")
                Map<String, Object> detail = (Map<String, Object>) event.get("detail");
                if (event.get("detail-type").equals("EMR Cluster State Change")
                        && String.valueOf(detail.get("state")).startsWith("TERMINATED")) {
                    // What the steps wrote to the target bucket, where EMR would have written it: S3 (moto's).
                    mirror(aws, buckets);
                }
                out.println("== recorder <- " + event.get("detail-type") + " " + detail.get("state")
                        + (detail.containsKey("name") ? " (" + detail.get("name") + ")" : ""));
                invoke(recorder, event, new LoggedContext("RecorderFunction", out::println));
            }, line -> out.println(line));
            for (var request : here.received(postRequestedFor(anyUrl())
                    .withHeader("X-Amz-Target", equalTo("AWSEvents.PutEvents")))) {
                for (JsonNode entry : JSON.readTree(request).path("Entries")) {
                    events.add(entry.path("Detail").asText());
                }
            }
            String key = Ledger.recordKey(job, FIRING);
            record = aws.s3().getObjectAsBytes(r -> r.bucket(ExampleAccount.LEDGER_BUCKET).key(key))
                    .asString(StandardCharsets.UTF_8);
            out.println("\n== run record s3://" + ExampleAccount.LEDGER_BUCKET + "/" + key);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(record)));
        }
        out.println("\n== run events (Run State Change, source emr-ingest, on the default bus)");
        for (String detail : events) {
            JsonNode d = JSON.readTree(detail);
            out.println(d.path("state").asText() + "  " + JSON.writeValueAsString(d));
        }
        // Read back as the cluster's Spark would: its spark-defaults (an Iceberg job's catalog), moto's endpoints.
        Map<String, String> spark = new LinkedHashMap<>(ClusterSpec.of(emr, clusterId).sparkDefaults());
        spark.putAll(catalogOnMoto(moto));
        Map<String, Path> data = Results.print(JSON.readTree(record), definition, buckets, spark, out);
        return new Outcome(record, ran, events, data, source.jdbcUrl(), source.user(), source.password(), work);
    }

    /** The Iceberg catalog's AWS calls go to moto server, as they go to Glue and S3 on a cluster. */
    static Map<String, String> catalogOnMoto(MotoServer moto) {
        String catalog = "spark.sql.catalog." + ImportSteps.CATALOG;
        return Map.of(catalog + ".glue.endpoint", moto.endpoint().toString(),
                catalog + ".s3.endpoint", moto.endpoint().toString(),
                catalog + ".s3.path-style-access", "true",
                catalog + ".client.region", MotoServer.REGION,
                catalog + ".http-client.type", "urlconnection");
    }

    /** Copies every file the cluster wrote under a mapped bucket into that bucket in moto. */
    private static void mirror(AwsClients aws, Map<String, Path> buckets) {
        buckets.forEach((bucket, dir) -> {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    String key = dir.relativize(file).toString().replace('\\', '/');
                    aws.s3().putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(file));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> event(Path repo, String file) {
        return JSON.readValue(repo.resolve("events").resolve(file).toFile(), LinkedHashMap.class);
    }

    /** The event through the handler as JSON, as Lambda hands it over; the handler's JSON answer. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> invoke(RequestStreamHandler handler, Map<String, Object> event, Context context) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(JSON.writeValueAsBytes(event)), answer, context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return JSON.readValue(answer.toByteArray(), LinkedHashMap.class);
    }

    private static void printCluster(EmrClient emr, String clusterId, PrintStream out) {
        Cluster c = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        out.println("\n== the cluster as the launcher asked EMR for it");
        out.println("id            " + c.id() + " (" + c.name() + ")");
        out.println("release       " + c.releaseLabel() + ", " + c.applications().stream().map(a -> a.name())
                .toList());
        out.println("instances     " + emr.listInstanceGroups(r -> r.clusterId(clusterId)).instanceGroups().stream()
                .map(g -> g.instanceGroupTypeAsString() + " " + g.requestedInstanceCount() + " x " + g.instanceType())
                .toList() + " (on EMR; here: this machine)");
        emr.listBootstrapActions(r -> r.clusterId(clusterId)).bootstrapActions()
                .forEach(b -> out.println("bootstrap     " + b.name() + ": " + b.scriptPath()));
        List<StepSummary> steps = new ArrayList<>(emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps()
                .stream().toList());
        java.util.Collections.reverse(steps);
        for (StepSummary s : steps) {
            out.println("step          " + s.name() + " [on failure " + s.actionOnFailureAsString() + "] "
                    + s.config().jar() + " " + s.config().args());
        }
    }

    private static void printSchedule(GetScheduleResponse s, PrintStream out) {
        out.println("\n== the job's schedule as EventBridge Scheduler holds it");
        out.println("group/name    " + s.groupName() + "/" + s.name());
        out.println("expression    " + s.scheduleExpression() + " in " + s.scheduleExpressionTimezone() + ", "
                + s.stateAsString() + ", flexible window " + s.flexibleTimeWindow().modeAsString());
        out.println("target        " + s.target().arn());
        out.println("input         " + s.target().input());
    }
}
