package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.ledger.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ActionOnFailure;
import software.amazon.awssdk.services.emr.model.Application;
import software.amazon.awssdk.services.emr.model.InstanceFleetConfig;
import software.amazon.awssdk.services.emr.model.InstanceFleetType;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.SpotProvisioningTimeoutAction;
import software.amazon.awssdk.services.emr.model.StepConfig;
import software.amazon.awssdk.services.emr.model.Tag;

/** The request is a pure function of (definition, run, settings, assets): tested without mocks or servers. */
class ClusterRequestBuilderTest {

    private static final Path EXAMPLES = Path.of("../../examples");
    private static final LauncherSettings SETTINGS = new LauncherSettings("emr-ingest", "eu-west-1", "/emr-ingest",
            "ledger-bucket", "cluster-bucket", "svc-role", "instance-profile",
            List.of("subnet-0123456789abcdef0", "subnet-0fedcba9876543210"), "sec-conf");
    private static final ClusterAssets.Published ASSETS = new ClusterAssets.Published(
            "s3://cluster-bucket/assets/aa/install-mysql-driver.sh", "s3://cluster-bucket/assets/bb/sqoop-import.sh",
            "s3://cluster-bucket/assets/ee/spark-jdbc-import.sh", "s3://cluster-bucket/assets/cc/spark-job.jar", "s3://cluster-bucket/assets/dd/mysql-connector-j.jar");
    private static final RunIdentity RUN =
            RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z");

    private static JobDefinition example(String jobJson) throws IOException {
        return new JobDefinitionParser("/emr-ingest").parse("orders",
                Files.readString(EXAMPLES.resolve("defaults.json")), jobJson, "jobs/orders@3");
    }

    /** The example job with its core nodes on Spot across two instance types. */
    private static String spotJob() throws IOException {
        return Files.readString(EXAMPLES.resolve("jobs/orders.json")).replace("\"configurations\"",
                "\"core\": {\"instanceTypes\": [\"m5.xlarge\", \"m5a.xlarge\"], \"count\": 2, "
                        + "\"market\": \"SPOT\", \"spotTimeoutMinutes\": 15}, \"configurations\"");
    }

    private static RunJobFlowRequest exampleRequest() throws IOException {
        return ClusterRequestBuilder.build(example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))),
                RUN, SETTINGS, ASSETS);
    }

    @Test
    void theSameRunAlwaysGetsTheSameShortAlphanumericName() {
        assertEquals(RUN, RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z"));
        assertTrue(RUN.clusterName().matches("emr-ingest-orders-[0-9a-f]{12}"), RUN.clusterName());
        assertFalse(RUN.runId().equals(RunIdentity.of("emr-ingest", "orders", "other").runId()));
    }

    @Test
    void transientClusterThatAlwaysEnds() throws IOException {
        RunJobFlowRequest request = exampleRequest();
        assertEquals(RUN.clusterName(), request.name());
        assertEquals("emr-7.4.0", request.releaseLabel());
        assertEquals(List.of("Hadoop", "Sqoop", "Spark"), request.applications().stream().map(Application::name).toList());
        assertFalse(request.instances().keepJobFlowAliveWhenNoSteps());
        assertFalse(request.instances().terminationProtected());
        assertEquals(900L, request.autoTerminationPolicy().idleTimeout());
        assertEquals(1, request.stepConcurrencyLevel());
        assertEquals("svc-role", request.serviceRole());
        assertEquals("instance-profile", request.jobFlowRole());
        assertEquals("sec-conf", request.securityConfiguration());
        assertEquals("s3://cluster-bucket/logs/orders/", request.logUri());
        assertEquals("spark-defaults", request.configurations().get(0).classification());
        assertEquals("64", request.configurations().get(0).properties().get("spark.sql.shuffle.partitions"));
    }

    @Test
    void spotCoreFleetFallsBackToOnDemand() throws IOException {
        RunJobFlowRequest request = ClusterRequestBuilder.build(example(spotJob()), RUN, SETTINGS, ASSETS);
        assertTrue(request.instances().instanceGroups().isEmpty());
        assertEquals(SETTINGS.subnetIds(), request.instances().ec2SubnetIds());
        InstanceFleetConfig core = request.instances().instanceFleets().stream()
                .filter(f -> f.instanceFleetType() == InstanceFleetType.CORE).findFirst().orElseThrow();
        assertEquals(2, core.targetSpotCapacity());
        assertEquals(0, core.targetOnDemandCapacity());
        assertEquals(SpotProvisioningTimeoutAction.SWITCH_TO_ON_DEMAND,
                core.launchSpecifications().spotSpecification().timeoutAction());
        assertEquals(15, core.launchSpecifications().spotSpecification().timeoutDurationMinutes());
        assertEquals(List.of("m5.xlarge", "m5a.xlarge"),
                core.instanceTypeConfigs().stream().map(t -> t.instanceType()).toList());
    }

    @Test
    void onDemandWithOneTypeUsesInstanceGroupsInOneSubnet() throws IOException {
        String job = spotJob().replace("\"instanceTypes\": [\"m5.xlarge\", \"m5a.xlarge\"], \"count\": 2, \"market\": \"SPOT\"",
                "\"instanceTypes\": [\"r5.2xlarge\"], \"count\": 3, \"market\": \"ON_DEMAND\"");
        RunJobFlowRequest request = ClusterRequestBuilder.build(example(job), RUN, SETTINGS, ASSETS);
        assertTrue(request.instances().instanceFleets().isEmpty());
        assertEquals("subnet-0123456789abcdef0", request.instances().ec2SubnetId());
        assertEquals(2, request.instances().instanceGroups().size());
        assertEquals("r5.2xlarge", request.instances().instanceGroups().get(1).instanceType());
        assertEquals(3, request.instances().instanceGroups().get(1).instanceCount());
    }

    @Test
    void tagsNameTheJobRunAndStack() throws IOException {
        Map<String, String> tags = exampleRequest().tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
        assertEquals("orders", tags.get(RunIdentity.TAG_JOB));
        assertEquals("2026-11-25T02:00:00Z", tags.get(RunIdentity.TAG_RUN_KEY));
        assertEquals("emr-ingest", tags.get(RunIdentity.TAG_STACK));
        assertEquals("true", tags.get("for-use-with-amazon-emr-managed-policies"));
        assertEquals("data-platform", tags.get("team"));
    }

    @Test
    void bootstrapInstallsThePublishedDriver() throws IOException {
        var bootstrap = exampleRequest().bootstrapActions().get(0).scriptBootstrapAction();
        assertEquals(ASSETS.bootstrapScript(), bootstrap.path());
        assertEquals(List.of(ASSETS.mysqlDriver()), bootstrap.args());
    }

    @Test
    void oneSqoopAndOneSparkStepPerTableThatEndTheClusterOnFailure() throws IOException {
        List<StepConfig> steps = exampleRequest().steps();
        assertEquals(List.of("sqoop-import orders", "spark-load orders", "sqoop-import customers", "spark-load customers"),
                steps.stream().map(StepConfig::name).toList());
        assertTrue(steps.stream().allMatch(s -> s.actionOnFailure() == ActionOnFailure.TERMINATE_CLUSTER));

        StepConfig sqoop = steps.get(0);
        assertEquals("s3://eu-west-1.elasticmapreduce/libs/script-runner/script-runner.jar", sqoop.hadoopJarStep().jar());
        String staging = "hdfs:///emr-ingest/staging/" + RUN.runId() + "/orders";
        assertEquals(List.of(ASSETS.sqoopStep(),
                "--jdbc-url", "jdbc:mysql://shop-db.internal:3306/shop",
                "--username", "ingest",
                "--password-parameter", "/emr-ingest/secrets/shop-db",
                "--table", "orders",
                "--target-dir", staging,
                "--format", "avro",
                "--num-mappers", "4",
                "--tools-jar", ASSETS.sparkJob(),
                "--region", "eu-west-1",
                "--split-by", "id",
                "--columns", "id,customer_id,status,total,created_at,updated_at"), sqoop.hadoopJarStep().args());

        StepConfig spark = steps.get(1);
        assertEquals("command-runner.jar", spark.hadoopJarStep().jar());
        assertEquals(List.of("spark-submit", "--deploy-mode", "cluster", "--class", "dev.emringest.spark.IngestJob",
                ASSETS.sparkJob(), "--input", staging, "--input-format", "avro",
                "--output", "s3://example-lake/raw/shop/orders", "--run-key", "2026-11-25T02:00:00Z",
                "--run-id", RUN.runId(), "--table", "orders"), spark.hadoopJarStep().args());

        List<String> customers = steps.get(3).hadoopJarStep().args();
        assertEquals("SELECT id, country, created_at FROM source", customers.get(customers.size() - 1));
    }

    @Test
    void sparkStepsCarryTheRunsClaimDateAsIngestDate() throws IOException {
        RunJobFlowRequest request = ClusterRequestBuilder.build(
                example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))), RUN,
                java.time.Instant.parse("2026-11-25T23:59:59Z"), SETTINGS, ASSETS);
        List<String> spark = request.steps().get(1).hadoopJarStep().args();
        int at = spark.indexOf("--ingest-date");
        assertTrue(at > 0, spark.toString());
        assertEquals("2026-11-25", spark.get(at + 1));
        assertEquals(RUN.runId(), spark.get(spark.indexOf("--run-id") + 1));
    }

    /** The example job with {@code importer: spark-jdbc} on a release without Sqoop. */
    private static RunJobFlowRequest sparkJdbcRequest(java.time.Instant claimedAt) throws IOException {
        String job = Files.readString(EXAMPLES.resolve("jobs/orders.json")).replaceFirst("\\{",
                "{\"importer\": \"spark-jdbc\", ").replace("\"configurations\"",
                "\"releaseLabel\": \"emr-7.10.0\", \"configurations\"");
        return ClusterRequestBuilder.build(example(job), RUN, claimedAt, SETTINGS, ASSETS);
    }

    @Test
    void sparkJdbcClusterHasNoSqoop() throws IOException {
        RunJobFlowRequest request = sparkJdbcRequest(null);
        assertEquals("emr-7.10.0", request.releaseLabel());
        assertEquals(List.of("Hadoop", "Spark"), request.applications().stream().map(Application::name).toList());
        var bootstrap = request.bootstrapActions().get(0).scriptBootstrapAction();
        assertEquals(ASSETS.bootstrapScript(), bootstrap.path(), "the Spark job needs the MySQL driver too");
    }

    @Test
    void sparkJdbcIsOneScriptStepPerTableThatReadsOverJdbcAndWritesTheTarget() throws IOException {
        List<StepConfig> steps = sparkJdbcRequest(java.time.Instant.parse("2026-11-25T23:59:59Z")).steps();
        assertEquals(List.of("spark-jdbc-import orders", "spark-jdbc-import customers"),
                steps.stream().map(StepConfig::name).toList());
        assertTrue(steps.stream().allMatch(s -> s.actionOnFailure() == ActionOnFailure.TERMINATE_CLUSTER));
        assertTrue(steps.stream().allMatch(s -> s.hadoopJarStep().jar()
                .equals("s3://eu-west-1.elasticmapreduce/libs/script-runner/script-runner.jar")));

        assertEquals(List.of(ASSETS.sparkJdbcStep(),
                "--jdbc-url", "jdbc:mysql://shop-db.internal:3306/shop",
                "--username", "ingest",
                "--password-parameter", "/emr-ingest/secrets/shop-db",
                "--job-jar", ASSETS.sparkJob(),
                "--region", "eu-west-1",
                "--output", "s3://example-lake/raw/shop/orders",
                "--split-by", "id",
                "--num-partitions", "4",
                "--source-columns", "id,customer_id,status,total,created_at,updated_at",
                "--run-key", "2026-11-25T02:00:00Z",
                "--run-id", RUN.runId(),
                "--table", "orders",
                "--ingest-date", "2026-11-25"), steps.get(0).hadoopJarStep().args());

        List<String> customers = steps.get(1).hadoopJarStep().args();
        assertEquals(List.of("--split-by", "id", "--num-partitions", "2"),
                customers.subList(customers.indexOf("--split-by"), customers.indexOf("--split-by") + 4));
        assertFalse(customers.contains("--source-columns"), customers.toString());
        assertEquals(List.of("--sql", "SELECT id, country, created_at FROM source"),
                customers.subList(customers.size() - 2, customers.size()));
        for (StepConfig step : steps) {
            List<String> args = step.hadoopJarStep().args();
            assertFalse(args.contains("--input") || args.contains("--target-dir"), "no staging: " + args);
        }
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

    @Test
    void clusterSettingsFromTheDefinitionWinOverTheStack() throws IOException {
        String job = Files.readString(EXAMPLES.resolve("jobs/orders.json")).replace("\"configurations\"",
                "\"logUri\": \"s3://my-logs/emr/\", \"securityConfiguration\": \"strict\", "
                        + "\"subnetIds\": [\"subnet-00000000000000001\"], \"configurations\"");
        RunJobFlowRequest request = ClusterRequestBuilder.build(example(job), RUN, SETTINGS, ASSETS);
        assertEquals("s3://my-logs/emr/", request.logUri());
        assertEquals("strict", request.securityConfiguration());
        assertEquals("subnet-00000000000000001", request.instances().ec2SubnetId());
        LauncherSettings noSecurityConfiguration = new LauncherSettings("s", "eu-west-1", "/emr-ingest", "l", "c",
                "r", "p", List.of(), null);
        assertNull(ClusterRequestBuilder.build(example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))),
                RUN, noSecurityConfiguration, ASSETS).securityConfiguration());
    }

    @org.junit.jupiter.api.Test
    void windowsBecomeTypedStepOptions() {
        var table = new dev.emringest.jobs.JobDefinition.Table("orders", java.util.List.of(), null, 4, null,
                new dev.emringest.jobs.JobDefinition.Incremental("updated_at", dev.emringest.jobs.JobDefinition.Incremental.Mode.LASTMODIFIED, 0));
        var events = new dev.emringest.jobs.JobDefinition.Table("events", java.util.List.of(), null, 4, null,
                new dev.emringest.jobs.JobDefinition.Incremental("id", dev.emringest.jobs.JobDefinition.Incremental.Mode.APPEND, 0));
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
