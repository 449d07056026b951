package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import dev.emringest.logs.LoggedLines;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.Application;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.emr.model.Tag;

/** The launcher's handlers against moto server: what EMR, SSM and S3 end up holding. */
class LauncherIT extends HandlersOnMoto {

    @Test
    void scheduleStartsTheClusterTheDefinitionDescribes() {
        Map<String, String> answer = schedule("schedule-scheduler.json");
        assertEquals("LAUNCHED", answer.get("outcome"));
        String clusterId = answer.get("clusterId");

        Cluster cluster = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        assertEquals(RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z").clusterName(),
                cluster.name());
        assertEquals("emr-7.4.0", cluster.releaseLabel());
        assertEquals(List.of("Hadoop", "Sqoop", "Spark"),
                cluster.applications().stream().map(Application::name).toList());
        assertFalse(cluster.autoTerminate() == null || !cluster.autoTerminate(),
                "a transient cluster ends when its steps do");
        Map<String, String> tags = cluster.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
        assertEquals("orders", tags.get("emr-ingest:job"));
        assertEquals("2026-11-25T02:00:00Z", tags.get("emr-ingest:run-key"));
        assertEquals("emr-ingest", tags.get("emr-ingest:stack"));

        List<StepSummary> steps = emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps().stream().toList();
        List<String> names = new java.util.ArrayList<>(steps.stream().map(StepSummary::name).toList());
        java.util.Collections.reverse(names); // ListSteps answers newest first
        assertEquals(List.of("sqoop-import orders", "sqoop-import customers", "spark-load"),
                names);

        var bootstrap = emr.listBootstrapActions(r -> r.clusterId(clusterId)).bootstrapActions().get(0);
        assertTrue(bootstrap.scriptPath().matches("s3://emr-ingest-cluster/assets/[0-9a-f]{64}/install-mysql-driver.sh"),
                bootstrap.scriptPath());
        String driverKey = bootstrap.args().get(0).substring("s3://emr-ingest-cluster/".length());
        assertTrue(aws.s3().headObject(r -> r.bucket(ExampleAccount.CLUSTER_BUCKET).key(driverKey)).contentLength() > 1_000_000,
                "the MySQL driver was published where the bootstrap action fetches it");
        // The example verifies TLS against the RDS CAs: the trust store's action gets the published bundle.
        var trust = emr.listBootstrapActions(r -> r.clusterId(clusterId)).bootstrapActions().get(1);
        assertTrue(trust.scriptPath().endsWith("/install-trust-store.sh"), trust.scriptPath());
        String bundleKey = trust.args().get(0).substring("s3://emr-ingest-cluster/".length());
        assertTrue(bundleKey.matches("assets/[0-9a-f]{64}/rds-global-bundle\\.pem"), bundleKey);
        assertTrue(aws.s3().getObjectAsBytes(r -> r.bucket(ExampleAccount.CLUSTER_BUCKET).key(bundleKey)).asUtf8String()
                .contains("-----BEGIN CERTIFICATE-----"));

        RunRecord record = ledger.read("orders", "2026-11-25T02:00:00Z").orElseThrow().value();
        assertEquals(RunState.LAUNCHED, record.state());
        assertEquals(clusterId, record.clusterId());
        assertEquals("jobs/orders@1,defaults@1", record.definitionVersion());
        assertTrue(ledger.cluster(clusterId).isEmpty(), "the recorder writes the pointer, from the tags, at the first event");
    }

    @Test
    void assetsArePublishedUnderTheirOwnHashAndThenFoundByOneRead() throws Exception {
        schedule("schedule-scheduler.json");
        String bucket = ExampleAccount.CLUSTER_BUCKET;
        var s3 = aws.s3();
        List<String> assetKeys = s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("assets/")).contents().stream()
                .map(o -> o.key()).filter(k -> !k.startsWith("assets/published/")).toList();
        assertEquals(7, assetKeys.size(), assetKeys.toString());
        for (String key : assetKeys) {
            byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
            assertEquals(key.split("/")[1], sha, "the build's hash names " + key);
        }
        List<String> markers = s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("assets/published/")).contents()
                .stream().map(o -> o.key()).toList();
        assertEquals(1, markers.size(), markers.toString());
        String marker = s3.getObjectAsBytes(r -> r.bucket(bucket).key(markers.get(0))).asUtf8String();
        assertEquals(new java.util.TreeSet<>(assetKeys), new java.util.TreeSet<>(List.of(marker.strip().split("\n"))));

        // A new container (a cold start: init reads ahead, the launch waits for it) reads the marker once and neither
        // looks at nor uploads any asset.
        MOTO.startRecording();
        ClusterAssets fresh = new ClusterAssets(s3, bucket);
        LauncherInit.checkAhead(fresh);
        ClusterAssets.Published published = fresh.publish();
        List<MotoServer.Recorded> requests = MOTO.recording();
        assertEquals(1, requests.size(), requests.toString());
        assertEquals("GET", requests.get(0).method());
        assertTrue(requests.get(0).url().contains(markers.get(0)), requests.get(0).url());
        assertEquals("s3://" + bucket + "/" + assetKeys.stream().filter(k -> k.endsWith("/spark-job.jar")).findFirst()
                .orElseThrow(), published.sparkJob());

        // Without the marker (a bucket emptied by hand), publishing looks again and writes it again.
        s3.deleteObject(r -> r.bucket(bucket).key(markers.get(0)));
        s3.deleteObject(r -> r.bucket(bucket).key(assetKeys.get(0)));
        ClusterAssets again = new ClusterAssets(s3, bucket);
        assertFalse(again.check());
        again.publish();
        s3.headObject(r -> r.bucket(bucket).key(assetKeys.get(0)));
        s3.headObject(r -> r.bucket(bucket).key(markers.get(0)));
    }

    @Test
    void whatMotoReceivedIsATransientClusterWithAnIdleTimeout() {
        String orders = aws.ssm().getParameter(r -> r.name("/emr-ingest/jobs/orders")).parameter().value();
        ExampleAccount.put(aws.ssm(), "/emr-ingest/jobs/orders", orders.replace("\"configurations\"",
                "\"core\": {\"instanceTypes\": [\"m5.xlarge\", \"m5a.xlarge\"], \"count\": 2, \"market\": \"SPOT\"}, "
                        + "\"configurations\""));
        MOTO.startRecording();
        schedule("schedule-scheduler.json");
        MotoServer.Recorded runJobFlow = MOTO.recording().stream()
                .filter(r -> "ElasticMapReduce.RunJobFlow".equals(r.target())).findFirst().orElseThrow();
        String body = runJobFlow.body();
        assertTrue(body.contains("\"KeepJobFlowAliveWhenNoSteps\":false"), body);
        assertTrue(body.contains("\"AutoTerminationPolicy\":{\"IdleTimeout\":900}"), body);
        assertTrue(body.contains("\"TimeoutAction\":\"SWITCH_TO_ON_DEMAND\""), body);
        assertTrue(body.contains("\"ActionOnFailure\":\"TERMINATE_CLUSTER\""), body);
    }

    @Test
    void aTableJobsRequestCarriesIcebergAndPassesBotocoresValidation() {
        String orders = aws.ssm().getParameter(r -> r.name("/emr-ingest/jobs/orders")).parameter().value();
        String parquet = "\"target\": {\"s3Uri\": \"s3://example-lake/raw/shop\", \"format\": \"parquet\"}";
        assertTrue(orders.contains(parquet), orders);
        ExampleAccount.put(aws.ssm(), "/emr-ingest/jobs/orders", orders.replace(parquet, "\"target\": {\"s3Uri\":"
                + " \"s3://example-lake/warehouse\", \"format\": \"iceberg\", \"database\": \""
                + ExampleAccount.GLUE_DATABASES.get(0) + "\"}"));
        MOTO.startRecording();
        assertEquals("LAUNCHED", schedule("schedule-scheduler.json").get("outcome"));
        String body = MOTO.recording().stream().filter(r -> "ElasticMapReduce.RunJobFlow".equals(r.target()))
                .findFirst().orElseThrow().body();
        assertTrue(body.contains("{\"Classification\":\"iceberg-defaults\",\"Properties\":{\"iceberg.enabled\":"
                + "\"true\"}}"), body);
        for (String property : List.of(
                "\"spark.sql.extensions\":\"org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions\"",
                "\"spark.sql.catalog.glue_catalog\":\"org.apache.iceberg.spark.SparkCatalog\"",
                "\"spark.sql.catalog.glue_catalog.catalog-impl\":\"org.apache.iceberg.aws.glue.GlueCatalog\"",
                "\"spark.sql.catalog.glue_catalog.warehouse\":\"s3://example-lake/warehouse\"",
                "\"spark.sql.shuffle.partitions\":\"64\"")) {
            assertTrue(body.contains(property), property + " in " + body);
        }
        assertTrue(body.contains("\"--target-table\",\"glue_catalog.emr_ingest.orders\",\"--mode\",\"merge\""), body);
        Botocore.Verdict verdict = Botocore.validate("emr", "RunJobFlow", body);
        assertTrue(verdict.valid(), verdict.report());
        // The validator can say no: a misspelt member is reported by name.
        Botocore.Verdict broken = Botocore.validate("emr", "RunJobFlow",
                body.replace("\"Classification\"", "\"Clasification\""));
        assertFalse(broken.valid());
        assertTrue(broken.report().contains("Clasification"), broken.report());
    }

    @Test
    void everyRetryOfOneFiringFindsTheSameCluster() {
        String first = schedule("schedule-scheduler.json").get("clusterId");
        Map<String, String> again = schedule("schedule-classic.json");
        assertEquals("ALREADY_LAUNCHED", again.get("outcome"));
        assertEquals(first, again.get("clusterId"));
        assertEquals(1, clusters().size());
    }

    @Test
    void aFiringRedeliveredAfterItsRunEndedStartsNothingAndLeavesNoOpenMarker() {
        String runKey = "2026-11-25T02:00:00Z";
        String clusterId = schedule("schedule-scheduler.json").get("clusterId");
        // Ended and announced, as the recorder leaves it.
        ledger.update("orders", runKey, r -> {
            RunRecord ended = r.ended(RunState.SUCCEEDED, r.steps(), null, java.time.Instant.now());
            return ended.withAnnounced(ended.history().size());
        });
        assertEquals(List.of(), openMarkers());

        Map<String, String> again = schedule("schedule-classic.json");
        assertEquals(List.of("ALREADY_LAUNCHED", clusterId), List.of(again.get("outcome"), again.get("clusterId")));
        // Even once the definition has turned invalid: the run is over, so its request is answered, not failed.
        ExampleAccount.put(aws.ssm(), "/emr-ingest/jobs/orders", "{\"source\": 42}");
        assertEquals("ALREADY_LAUNCHED", schedule("schedule-classic.json").get("outcome"));

        assertEquals(1, clusters().size());
        assertEquals(RunState.SUCCEEDED, ledger.read("orders", runKey).orElseThrow().value().state());
        assertEquals(List.of(), openMarkers(), "a request for an ended run leaves no open/ marker behind");
    }

    private List<String> openMarkers() {
        return aws.s3().listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET).prefix("open/")).contents()
                .stream().map(o -> o.key()).toList();
    }

    @Test
    void aBadMessageFailsAloneAndLaunchesNothing() {
        SQSEvent batch = EventLoader.loadSQSEvent(REPO.resolve("events/sqs-batch.json").toString());
        SQSBatchResponse response = sqsBatchFile();

        assertEquals(List.of(batch.getRecords().get(1).getMessageId()),
                response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList());
        List<ClusterSummary> clusters = clusters();
        assertEquals(1, clusters.size());
        Cluster cluster = emr.describeCluster(r -> r.clusterId(clusters.get(0).id())).cluster();
        assertTrue(cluster.tags().contains(Tag.builder().key("emr-ingest:run-key").value("manual-2026-11-25").build()));
        assertTrue(ledger.read("orders", batch.getRecords().get(1).getMessageId()).isEmpty(),
                "nothing is claimed for a message that could not be read");
        assertTrue(LoggedLines.messages(context.lines()).stream().anyMatch(
                l -> l.startsWith("launch rejected: body: not valid JSON")
                        && l.endsWith("message=" + batch.getRecords().get(1).getMessageId())),
                context.lines().toString());
    }

    @Test
    void aMissingDefinitionNamesTheJobAndLaunchesNothing() {
        SQSBatchResponse response = sqs(messages("{\"job\": \"invoices\"}"));

        assertEquals(1, response.getBatchItemFailures().size(), "failed, so it reaches the DLQ after the receive limit");
        assertTrue(clusters().isEmpty());
        RunRecord record = ledger.read("invoices", "msg-0").orElseThrow().value();
        assertEquals(RunState.LAUNCH_FAILED, record.state());
        assertEquals(RunRecord.INVALID_DEFINITION, record.failure().code());
        assertTrue(record.failure().message().contains("/emr-ingest/jobs/invoices"), record.failure().message());
        assertEquals(List.of("msg-0"), ledger.openRuns().stream().map(Ledger.OpenRun::runKey).toList(),
                "a run that cannot launch is open until the reconcile announces it");
        assertTrue(LoggedLines.messages(context.lines()).stream().anyMatch(l -> l.contains(
                "job 'invoices': job: no definition at SSM parameter /emr-ingest/jobs/invoices")), context.lines().toString());
    }

    @Test
    void anInvalidDefinitionNamesTheJobAndField() {
        ExampleAccount.put(aws.ssm(), "/emr-ingest/jobs/broken", """
                {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                            "passwordParameter": "/emr-ingest/secrets/shop-db", "tables": [{"name": "t"}]},
                 "target": {"s3Uri": "s3://lake/raw"},
                 "cluster": {"core": {"count": "two"}}}""");
        SQSBatchResponse response = sqs(messages("{\"job\": \"broken\"}"));

        assertEquals(1, response.getBatchItemFailures().size());
        assertTrue(clusters().isEmpty());
        String line = LoggedLines.messages(context.lines()).stream().filter(l -> l.contains("job 'broken'")).findFirst()
                .orElseThrow();
        assertTrue(line.contains("cluster.core.count: "), line);
        assertTrue(ledger.read("broken", "msg-0").orElseThrow().value().failure().message().contains("cluster.core.count"));

        ExampleAccount.put(aws.ssm(), "/emr-ingest/jobs/broken", aws.ssm()
                .getParameter(r -> r.name("/emr-ingest/jobs/orders")).parameter().value());
        assertTrue(sqs(messages("{\"job\": \"broken\"}")).getBatchItemFailures().isEmpty(),
                "once the definition is fixed, the same run is requested again (e.g. a DLQ redrive) and launches");
        assertEquals(RunState.LAUNCHED, ledger.read("broken", "msg-0").orElseThrow().value().state());
        assertEquals(1, clusters().size());
    }

    @Test
    void theLauncherNeverReadsNorRepeatsThePassword() {
        MOTO.startRecording();
        schedule("schedule-scheduler.json");
        sqsBatchFile();
        List<MotoServer.Recorded> requests = MOTO.recording();

        assertTrue(requests.stream().anyMatch(r -> "ElasticMapReduce.RunJobFlow".equals(r.target())));
        for (MotoServer.Recorded request : requests) {
            assertFalse(request.body().contains(PASSWORD), "password sent to " + request.target() + " " + request.url());
            if (request.target() != null && request.target().startsWith("AmazonSSM.")) {
                assertFalse(request.body().contains(ExampleAccount.PASSWORD_PARAMETER),
                        "the launcher asked SSM for the secret: " + request.body());
                assertFalse(request.body().contains("\"WithDecryption\":true"), request.body());
            }
        }
        assertFalse(String.join("\n", context.lines()).contains(PASSWORD));
    }
}
