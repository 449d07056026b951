package dev.emringest.launcher;

import static dev.emringest.launcher.ExampleRequests.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.Application;
import software.amazon.awssdk.services.emr.model.InstanceFleetConfig;
import software.amazon.awssdk.services.emr.model.InstanceFleetType;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.SpotProvisioningTimeoutAction;
import software.amazon.awssdk.services.emr.model.Tag;

/** The request is a pure function of (definition, run, settings, assets): tested without mocks or servers. */
class ClusterRequestBuilderTest {

    /** The example job with its core nodes on Spot across two instance types. */
    private static String spotJob() throws IOException {
        return Files.readString(EXAMPLES.resolve("jobs/orders.json")).replace("\"configurations\"",
                "\"core\": {\"instanceTypes\": [\"m5.xlarge\", \"m5a.xlarge\"], \"count\": 2, "
                        + "\"market\": \"SPOT\", \"spotTimeoutMinutes\": 15}, \"configurations\"");
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
    void sparkJdbcClusterHasNoSqoop() throws IOException {
        RunJobFlowRequest request = sparkJdbcRequest(null);
        assertEquals("emr-7.10.0", request.releaseLabel());
        assertEquals(List.of("Hadoop", "Spark"), request.applications().stream().map(Application::name).toList());
        var bootstrap = request.bootstrapActions().get(0).scriptBootstrapAction();
        assertEquals(ASSETS.bootstrapScript(), bootstrap.path(), "the Spark job needs the MySQL driver too");
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
                "r", "p", List.of(), null, List.of(), List.of());
        assertNull(ClusterRequestBuilder.build(example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))),
                RUN, noSecurityConfiguration, ASSETS).securityConfiguration());
    }

    // ------------------------------------------------------------------------------------------ Iceberg targets

    /** An Iceberg job; {@code configurations} is the definition's own cluster.configurations (JSON), or null. */
    private static RunJobFlowRequest icebergRequest(String configurations) throws IOException {
        String job = """
                {"source": {"jdbcUrl": "jdbc:mysql://shop-db.internal:3306/shop", "username": "ingest",
                  "passwordParameter": "/emr-ingest/secrets/shop-db", "tables": [{"name": "orders"}]},
                 "target": {"s3Uri": "s3://lake/wh/", "format": "iceberg", "database": "shop"}%s}"""
                .formatted(configurations == null ? "" : ", \"cluster\": {\"configurations\": " + configurations + "}");
        return ClusterRequestBuilder.build(example(job), RUN, SETTINGS, ASSETS);
    }

    private static final Map<String, String> CATALOG = Map.of(
            "spark.sql.catalog.glue_catalog", "org.apache.iceberg.spark.SparkCatalog",
            "spark.sql.catalog.glue_catalog.catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog",
            "spark.sql.catalog.glue_catalog.io-impl", "org.apache.iceberg.aws.s3.S3FileIO",
            "spark.sql.catalog.glue_catalog.warehouse", "s3://lake/wh");
    private static final String ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";

    private static Map<String, Map<String, String>> byClassification(RunJobFlowRequest request) {
        Map<String, Map<String, String>> all = new java.util.LinkedHashMap<>();
        for (var c : request.configurations()) {
            assertNull(all.put(c.classification(), c.properties()), "one " + c.classification() + " only");
        }
        return all;
    }

    private static Map<String, String> with(Map<String, String> base, String... more) {
        Map<String, String> all = new java.util.HashMap<>(base);
        for (int i = 0; i < more.length; i += 2) {
            all.put(more[i], more[i + 1]);
        }
        return all;
    }

    @Test
    void anIcebergJobGetsIcebergAndTheGlueCatalog() throws IOException {
        Map<String, Map<String, String>> configurations = byClassification(icebergRequest(null));
        assertEquals(Map.of(
                "iceberg-defaults", Map.of("iceberg.enabled", "true"),
                "spark-defaults", with(CATALOG, "spark.sql.extensions", ICEBERG_EXTENSIONS)), configurations);
    }

    @Test
    void theDefinitionsSparkDefaultsAreMergedWithIcebergs() throws IOException {
        RunJobFlowRequest request = icebergRequest("""
                [{"Classification": "spark-defaults", "Properties": {"spark.sql.shuffle.partitions": "64",
                   "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension"}},
                 {"Classification": "spark-env", "Configurations": [{"Classification": "export",
                   "Properties": {"PYSPARK_PYTHON": "python3"}}]}]""");
        Map<String, Map<String, String>> configurations = byClassification(request);
        assertEquals(with(CATALOG, "spark.sql.shuffle.partitions", "64",
                "spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension," + ICEBERG_EXTENSIONS),
                configurations.get("spark-defaults"));
        assertEquals(Map.of("iceberg.enabled", "true"), configurations.get("iceberg-defaults"));
        var env = request.configurations().stream().filter(c -> c.classification().equals("spark-env"))
                .findFirst().orElseThrow();
        assertEquals("python3", env.configurations().get(0).properties().get("PYSPARK_PYTHON"), "other ones stay");
        assertEquals(List.of("spark-defaults", "spark-env", "iceberg-defaults"),
                request.configurations().stream().map(c -> c.classification()).toList(),
                "the definition's own stay where they are");
    }

    @Test
    void icebergsExtensionsAreNotAddedTwice() throws IOException {
        String own = "io.delta.sql.DeltaSparkSessionExtension, " + ICEBERG_EXTENSIONS;
        Map<String, Map<String, String>> configurations = byClassification(icebergRequest(
                "[{\"Classification\": \"spark-defaults\", \"Properties\": {\"spark.sql.extensions\": \"" + own
                        + "\"}}]"));
        assertEquals(own, configurations.get("spark-defaults").get("spark.sql.extensions"));
        configurations = byClassification(icebergRequest(
                "[{\"Classification\": \"spark-defaults\", \"Properties\": {\"spark.sql.extensions\": \"\"}}]"));
        assertEquals(ICEBERG_EXTENSIONS, configurations.get("spark-defaults").get("spark.sql.extensions"),
                "an empty list is replaced");
    }

    @Test
    void theDefinitionsIcebergDefaultsKeepTheirPropertiesAndEnableIceberg() throws IOException {
        Map<String, Map<String, String>> configurations = byClassification(icebergRequest("""
                [{"Classification": "iceberg-defaults", "Properties": {"iceberg.enabled": "false",
                   "some.iceberg.setting": "x"}}]"""));
        assertEquals(Map.of("iceberg.enabled", "true", "some.iceberg.setting", "x"),
                configurations.get("iceberg-defaults"));
        assertEquals(with(CATALOG, "spark.sql.extensions", ICEBERG_EXTENSIONS), configurations.get("spark-defaults"));
    }

    @Test
    void theCatalogsSettingsWinOverTheDefinitions() throws IOException {
        Map<String, Map<String, String>> configurations = byClassification(icebergRequest("""
                [{"Classification": "spark-defaults",
                  "Properties": {"spark.sql.catalog.glue_catalog.warehouse": "s3://elsewhere/wh"}}]"""));
        assertEquals("s3://lake/wh", configurations.get("spark-defaults").get("spark.sql.catalog.glue_catalog.warehouse"));
    }

    @Test
    void aParquetJobsConfigurationsAreItsOwn() throws IOException {
        Map<String, Map<String, String>> configurations = byClassification(exampleRequest());
        assertEquals(Map.of("spark-defaults", Map.of("spark.sql.shuffle.partitions", "64")), configurations);
        String example = Files.readString(EXAMPLES.resolve("jobs/orders.json"));
        String job = example.substring(0, example.indexOf(",\n  \"cluster\"")) + "}";
        assertTrue(ClusterRequestBuilder.build(example(job), RUN, SETTINGS, ASSETS).configurations().isEmpty(),
                job);
    }
}
