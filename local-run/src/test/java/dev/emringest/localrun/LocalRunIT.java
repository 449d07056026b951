package dev.emringest.localrun;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The README's local run, end to end against moto server, and where the database password may never appear. */
class LocalRunIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final String PASSWORD = "s3cr3t-Kn0wn-To-This-Test";

    @Test
    void launchesInspectsEndsAndRecordsTheRunWithoutEverShowingThePassword() {
        MOTO.reset();
        MOTO.startRecording();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        String record = LocalRun.run(MOTO, Path.of(".."), PASSWORD, new PrintStream(printed, true, StandardCharsets.UTF_8));
        List<MotoServer.Recorded> requests = MOTO.recording();
        String output = printed.toString(StandardCharsets.UTF_8);

        assertTrue(output.contains("launch LAUNCHED job=orders runKey=2026-11-25T02:00:00Z"), output);
        assertTrue(output.contains("group/name    " + ExampleAccount.SCHEDULE_GROUP + "/orders"), output);
        assertTrue(output.contains("expression    cron(0 2 * * ? *) in UTC, ENABLED"), output);
        assertTrue(output.contains("release       emr-7.4.0"), output);
        assertTrue(output.contains("applications  [Hadoop, Sqoop, Spark]"), output);
        assertTrue(output.contains("CORE 2 x m5.xlarge ON_DEMAND"), output);
        assertTrue(output.contains("install MySQL Connector/J: s3://emr-ingest-cluster/assets/"), output);
        assertTrue(output.contains("--password-parameter, /emr-ingest/secrets/shop-db"), output);
        assertTrue(output.contains("spark-load customers [PENDING, on failure TERMINATE_CLUSTER]"), output);
        assertTrue(output.contains("record FINAL CLUSTER"), output);
        assertTrue(record.contains("\"state\":\"FAILED\"") && record.contains("\"code\":\"USER_REQUEST\""), record);

        assertFalse(output.contains(PASSWORD), "the password was printed or logged");
        assertTrue(requests.stream().anyMatch(r -> "ElasticMapReduce.RunJobFlow".equals(r.target())));
        for (MotoServer.Recorded request : requests) {
            boolean seeding = "AmazonSSM.PutParameter".equals(request.target())
                    && request.body().contains(ExampleAccount.PASSWORD_PARAMETER);
            if (!seeding) {
                assertFalse(request.body().contains(PASSWORD), "password sent in " + request.target() + " " + request.url());
            }
        }
        S3Client s3 = MOTO.clients().s3();
        int objects = 0;
        for (String bucket : List.of(ExampleAccount.LEDGER_BUCKET, ExampleAccount.CLUSTER_BUCKET)) {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket)).contents()) {
                String content = s3.getObjectAsBytes(r -> r.bucket(bucket).key(object.key())).asString(StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(PASSWORD), "password stored in s3://" + bucket + "/" + object.key());
                objects++;
            }
        }
        assertTrue(objects >= 6, "expected the run record, the cluster pointer and four assets, read " + objects);
    }
}
