package dev.emringest.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emringest.local.MotoServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ActionOnFailure;
import software.amazon.awssdk.services.emr.model.BootstrapActionConfig;
import software.amazon.awssdk.services.emr.model.Configuration;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

/** {@link ClusterSpec#of(EmrClient, String)}: the cluster as moto server's EMR reports it is the cluster asked for. */
class ClusterSpecIT {

    private static StepConfig step(String name, String jar, ActionOnFailure onFailure, String... args) {
        return StepConfig.builder().name(name).actionOnFailure(onFailure)
                .hadoopJarStep(h -> h.jar(jar).args(args)).build();
    }

    @Test
    void theClusterAsEmrReportsItIsTheRequestsStepsInOrderWithItsBootstrapActionsAndSparkDefaults() {
        MotoServer moto = MotoServer.shared();
        moto.reset();
        EmrClient emr = moto.clients().emr();
        RunJobFlowRequest request = RunJobFlowRequest.builder().name("emr-ingest-shop-run").releaseLabel("emr-7.4.0")
                .instances(i -> i.instanceCount(1).masterInstanceType("m5.xlarge").keepJobFlowAliveWhenNoSteps(false))
                .jobFlowRole("instance-profile").serviceRole("svc-role")
                .configurations(Configuration.builder().classification("spark-defaults")
                        .properties(Map.of("spark.sql.catalog.glue_catalog.warehouse", "s3://lake/w")).build())
                .bootstrapActions(BootstrapActionConfig.builder().name("install MySQL Connector/J")
                        .scriptBootstrapAction(s -> s.path("s3://b/install.sh").args("s3://b/driver.jar")).build())
                .steps(step("sqoop-import a", "s3://r/script-runner.jar", ActionOnFailure.TERMINATE_CLUSTER,
                                "s3://b/sqoop-import.sh", "--table", "a"),
                        step("spark-load a", "command-runner.jar", ActionOnFailure.CONTINUE, "spark-submit", "x"),
                        step("sqoop-import b", "s3://r/script-runner.jar", ActionOnFailure.CANCEL_AND_WAIT,
                                "s3://b/sqoop-import.sh", "--table", "b"))
                .build();
        String clusterId = emr.runJobFlow(request).jobFlowId();
        emr.addJobFlowSteps(r -> r.jobFlowId(clusterId).steps(step("added later", "command-runner.jar",
                ActionOnFailure.CONTINUE, "spark-submit", "y")));

        ClusterSpec reported = ClusterSpec.of(emr, clusterId);

        ClusterSpec asked = ClusterSpec.of(request);
        assertEquals(asked.name(), reported.name());
        assertEquals(asked.bootstrapActions(), reported.bootstrapActions());
        assertEquals(asked.sparkDefaults(), reported.sparkDefaults());
        assertEquals(List.of("sqoop-import a", "spark-load a", "sqoop-import b", "added later"),
                reported.steps().stream().map(ClusterSpec.Step::name).toList());
        assertEquals(asked.steps(), reported.steps().subList(0, 3));
        assertEquals(new ClusterSpec.Step("added later", "command-runner.jar", List.of("spark-submit", "y"),
                "CONTINUE"), reported.steps().get(3));
    }
}
