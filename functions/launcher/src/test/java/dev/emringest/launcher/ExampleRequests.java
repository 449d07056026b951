package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.ledger.RunIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;

/** The example job's requests, as the request's tests ({@link ClusterRequestBuilderTest}, {@link ImportStepsTest}) build them. */
final class ExampleRequests {

    static final Path EXAMPLES = Path.of("../../examples");
    static final LauncherSettings SETTINGS = new LauncherSettings("emr-ingest", "eu-west-1", "/emr-ingest",
            "ledger-bucket", "cluster-bucket", "svc-role", "instance-profile",
            List.of("subnet-0123456789abcdef0", "subnet-0fedcba9876543210"), "sec-conf", List.of("shop"), List.of());
    static final ClusterAssets.Published ASSETS = new ClusterAssets.Published(
            "s3://cluster-bucket/assets/aa/install-mysql-driver.sh", "s3://cluster-bucket/assets/ff/install-trust-store.sh",
            "s3://cluster-bucket/assets/ab/rds-global-bundle.pem", "s3://cluster-bucket/assets/bb/sqoop-import.sh",
            "s3://cluster-bucket/assets/ee/spark-jdbc-import.sh", "s3://cluster-bucket/assets/cc/spark-job.jar",
            "s3://cluster-bucket/assets/dd/mysql-connector-j.jar");
    static final RunIdentity RUN = RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z");

    private ExampleRequests() {}

    static JobDefinition example(String jobJson) throws IOException {
        return new JobDefinitionParser("/emr-ingest").parse("orders",
                Files.readString(EXAMPLES.resolve("defaults.json")), jobJson, "jobs/orders@3");
    }

    static RunJobFlowRequest exampleRequest() throws IOException {
        return ClusterRequestBuilder.build(example(Files.readString(EXAMPLES.resolve("jobs/orders.json"))),
                RUN, SETTINGS, ASSETS);
    }

    /** The example job with {@code importer: spark-jdbc} on a release without Sqoop. */
    static RunJobFlowRequest sparkJdbcRequest(Instant claimedAt) throws IOException {
        String job = Files.readString(EXAMPLES.resolve("jobs/orders.json")).replaceFirst("\\{",
                "{\"importer\": \"spark-jdbc\", ").replace("\"configurations\"",
                "\"releaseLabel\": \"emr-7.10.0\", \"configurations\"");
        return ClusterRequestBuilder.build(example(job), RUN, claimedAt, SETTINGS, ASSETS);
    }
}
