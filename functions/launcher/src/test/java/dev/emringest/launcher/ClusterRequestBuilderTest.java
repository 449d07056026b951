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
                "r", "p", List.of(), null);
        assertNull(ClusterRequestBuilder.build(example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))),
                RUN, noSecurityConfiguration, ASSETS).securityConfiguration());
    }
}
