package dev.emringest.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ActionOnFailure;
import software.amazon.awssdk.services.emr.model.BootstrapActionConfig;
import software.amazon.awssdk.services.emr.model.Configuration;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepConfig;

class ClusterSpecTest {

    private static StepConfig step(String name, String jar, ActionOnFailure onFailure, String... args) {
        return StepConfig.builder().name(name).actionOnFailure(onFailure)
                .hadoopJarStep(h -> h.jar(jar).args(args)).build();
    }

    @Test
    void theRequestsBootstrapActionsAndStepsInOrderWithTheirArgumentsAndActionOnFailure() {
        RunJobFlowRequest request = RunJobFlowRequest.builder().name("emr-ingest-shop-run")
                .bootstrapActions(BootstrapActionConfig.builder().name("install MySQL Connector/J")
                                .scriptBootstrapAction(s -> s.path("s3://b/install.sh").args("s3://b/driver.jar"))
                                .build(),
                        BootstrapActionConfig.builder().name("extra")
                                .scriptBootstrapAction(s -> s.path("s3://b/extra.sh")).build())
                .steps(step("sqoop-import a", "s3://r/script-runner.jar", ActionOnFailure.TERMINATE_CLUSTER,
                                "s3://b/sqoop-import.sh", "--table", "a"),
                        step("spark-load a", "command-runner.jar", ActionOnFailure.CONTINUE, "spark-submit", "x"),
                        step("sqoop-import b", "s3://r/script-runner.jar", ActionOnFailure.CANCEL_AND_WAIT))
                .build();

        ClusterSpec spec = ClusterSpec.of(request);

        assertEquals("emr-ingest-shop-run", spec.name());
        assertEquals(List.of(new ClusterSpec.Action("install MySQL Connector/J", "s3://b/install.sh",
                List.of("s3://b/driver.jar")), new ClusterSpec.Action("extra", "s3://b/extra.sh", List.of())),
                spec.bootstrapActions());
        assertEquals(List.of(
                new ClusterSpec.Step("sqoop-import a", "s3://r/script-runner.jar",
                        List.of("s3://b/sqoop-import.sh", "--table", "a"), "TERMINATE_CLUSTER"),
                new ClusterSpec.Step("spark-load a", "command-runner.jar", List.of("spark-submit", "x"), "CONTINUE"),
                new ClusterSpec.Step("sqoop-import b", "s3://r/script-runner.jar", List.of(), "CANCEL_AND_WAIT")),
                spec.steps());
        assertEquals(Map.of(), spec.sparkDefaults());
    }

    @Test
    void sparkDefaultsAreThePropertiesOfEverySparkDefaultsConfigurationInOrderTheLaterWinning() {
        Map<String, String> first = new LinkedHashMap<>();
        first.put("spark.sql.extensions", "a");
        first.put("spark.sql.catalog.glue_catalog", "org.apache.iceberg.spark.SparkCatalog");
        RunJobFlowRequest request = RunJobFlowRequest.builder().name("c").configurations(
                Configuration.builder().classification("spark-defaults").properties(first).build(),
                Configuration.builder().classification("iceberg-defaults")
                        .properties(Map.of("iceberg.enabled", "true")).build(),
                Configuration.builder().classification("spark-env").configurations(Configuration.builder()
                        .classification("export").properties(Map.of("PYSPARK_PYTHON", "python3")).build()).build(),
                Configuration.builder().classification("spark-defaults")
                        .properties(Map.of("spark.sql.extensions", "b", "spark.executor.memory", "2g")).build())
                .build();

        ClusterSpec spec = ClusterSpec.of(request);

        assertEquals(List.of("spark.sql.extensions", "spark.sql.catalog.glue_catalog", "spark.executor.memory"),
                List.copyOf(spec.sparkDefaults().keySet()));
        assertEquals(Map.of("spark.sql.extensions", "b", "spark.sql.catalog.glue_catalog",
                "org.apache.iceberg.spark.SparkCatalog", "spark.executor.memory", "2g"), spec.sparkDefaults());
        assertEquals(List.of(), spec.steps());
        assertEquals(List.of(), spec.bootstrapActions());
    }
}
