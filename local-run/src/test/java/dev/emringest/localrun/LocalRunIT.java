package dev.emringest.localrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.cluster.StepRun;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MariaDbServer;
import dev.emringest.local.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The README's local run, end to end: a real import of the example tables from MariaDB through the cluster the
 * launcher asked for, recorded SUCCEEDED by the real recorder; and with {@code --fail}, the failure path. The
 * database password appears in no output, request or file.
 */
class LocalRunIT {

    private static final MotoServer MOTO = MotoServer.shared();
    /** The example database's server, kept for the comparison after the run (the local run starts its own). */
    private static final MariaDbServer DB = MariaDbServer.start("shop", "ingest");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @AfterAll
    static void stopTheDatabase() {
        DB.close();
    }

    private record Ran(LocalRun.Outcome outcome, String output, JsonNode record) {}

    private static Ran run(String... options) throws Exception {
        MOTO.reset();
        MOTO.startRecording();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of(".."));
        args.addAll(List.of(options));
        LocalRun.Outcome outcome = LocalRun.run(MOTO, LocalRunOptions.parse(args.toArray(String[]::new)), DB,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        return new Ran(outcome, printed.toString(StandardCharsets.UTF_8), JSON.readTree(outcome.record()));
    }

    @Test
    void theExampleJobImportsBothTablesAndTheRunSucceeds() throws Exception {
        Ran ran = run();
        String output = ran.output();
        assertEquals("SUCCEEDED", ran.record().path("state").asText(), output);
        List<StepRun> steps = ran.outcome().cluster().steps();
        assertEquals(List.of("sqoop-import orders", "sqoop-import customers", "spark-load"),
                steps.stream().map(StepRun::name).toList());
        for (StepRun step : steps) {
            assertEquals("COMPLETED", step.state(), step.output());
        }
        for (JsonNode step : ran.record().path("steps")) {
            assertEquals("COMPLETED", step.path("state").asText(), ran.record().toString());
        }
        assertEquals(List.of(ExampleSource.ORDERS, ExampleSource.CUSTOMERS), List.of(
                ran.record().path("tables").get(0).path("rowsWritten").asInt(),
                ran.record().path("tables").get(1).path("rowsWritten").asInt()));
        assertTrue(ran.outcome().events().stream().anyMatch(e -> e.contains("\"state\":\"SUCCEEDED\"")
                && e.contains("\"rowsWritten\":" + ExampleSource.ORDERS)), ran.outcome().events().toString());
        assertTrue(output.contains("-> step 1/3 sqoop-import orders running"), output);
        assertTrue(output.contains("<- sqoop-import orders COMPLETED in "), output);
        assertTrue(output.contains(ExampleSource.ORDERS + " rows"), output);
        assertTrue(output.contains("== first rows of orders"), output);
        assertTrue(output.contains("== first rows of customers"), output);

        // The target equals the source, row for row: the job's columns of orders, customers through its SQL.
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC").getOrCreate();
        try {
            assertSame(spark, ran, "orders", "SELECT id, customer_id, status, total, created_at, updated_at"
                    + " FROM orders");
            assertSame(spark, ran, "customers", "SELECT id, country, created_at FROM customers");
        } finally {
            spark.stop();
        }
        assertPasswordNowhere(ran);
    }

    private static void assertSame(SparkSession spark, Ran ran, String table, String query) {
        Properties props = new Properties();
        props.setProperty("user", ran.outcome().user());
        props.setProperty("password", ran.outcome().password());
        Dataset<Row> source = spark.read().jdbc(ran.outcome().jdbcUrl(), "(" + query + ") AS q", props);
        Dataset<Row> target = spark.read().parquet(ran.outcome().data().get(table).toUri().toString())
                .drop("_run_key", "_ingested_at", "ingest_date", "_run_id");
        assertEquals(source.count(), target.count(), table);
        assertEquals(0, source.exceptAll(target).count(), table);
        assertEquals(0, target.exceptAll(source).count(), table);
    }

    @Test
    void withFailOneTableFailsAndTheRunSaysWhyWhileTheOthersAreWrittenAndRecorded() throws Exception {
        Ran ran = run("--fail");
        String output = ran.output();
        JsonNode record = ran.record();
        assertEquals("FAILED", record.path("state").asText(), output);
        assertEquals("sqoop-import no_such_table", record.path("failure").path("step").asText(), output);
        List<String> states = ran.outcome().cluster().steps().stream().map(s -> s.name() + " " + s.state()).toList();
        assertEquals(List.of("sqoop-import orders COMPLETED", "sqoop-import customers COMPLETED",
                "sqoop-import no_such_table FAILED", "spark-load FAILED"), states);
        StepRun failed = ran.outcome().cluster().steps().get(2);
        assertTrue(failed.output().contains("no_such_table' doesn't exist"), failed.output());
        assertTrue(output.contains("<- sqoop-import no_such_table FAILED"), output);
        assertEquals(failed.log().toUri().toString(), record.path("steps").get(2).path("logFile").asText(),
                record.toString());

        // Each table's outcome, in the record and in the FAILED event: two written, one failed with its cause.
        JsonNode tables = record.path("tables");
        assertEquals(ExampleSource.ORDERS, tables.get(0).path("rowsWritten").asInt(), record.toString());
        assertEquals(ExampleSource.CUSTOMERS, tables.get(1).path("rowsWritten").asInt(), record.toString());
        assertFalse(tables.get(0).has("error") || tables.get(1).has("error"), record.toString());
        assertEquals("no_such_table", tables.get(2).path("name").asText());
        assertFalse(tables.get(2).has("rowsWritten"), record.toString());
        assertTrue(tables.get(2).path("error").asText().contains("sqoop-import step failed or did not run"),
                record.toString());
        assertTrue(output.contains("orders: " + ExampleSource.ORDERS + " rows in "), output);
        assertTrue(output.contains("no_such_table: FAILED: "), output);
        assertTrue(output.contains("== first rows of customers"), output);
        assertTrue(ran.outcome().events().stream().anyMatch(e -> e.contains("\"state\":\"FAILED\"")
                && e.contains("\"rowsWritten\":" + ExampleSource.ORDERS) && e.contains("\"error\":")),
                ran.outcome().events().toString());
        assertPasswordNowhere(ran);
    }

    /** Not in the output, no request but the seeding of the secret, no S3 object, no file the run left. */
    private static void assertPasswordNowhere(Ran ran) throws IOException {
        String password = ran.outcome().password();
        assertFalse(ran.output().contains(password), "the password was printed");
        for (MotoServer.Recorded request : MOTO.recording()) {
            boolean seeding = "AmazonSSM.PutParameter".equals(request.target())
                    && request.body().contains(ExampleAccount.PASSWORD_PARAMETER);
            if (!seeding) {
                assertFalse(request.body().contains(password), "password sent in " + request.target());
            }
        }
        S3Client s3 = MOTO.clients().s3();
        for (var bucket : s3.listBuckets().buckets()) {
            for (S3Object object : s3.listObjectsV2Paginator(r -> r.bucket(bucket.name())).contents()) {
                String content = s3.getObjectAsBytes(r -> r.bucket(bucket.name()).key(object.key()))
                        .asString(StandardCharsets.ISO_8859_1);
                assertFalse(content.contains(password), "password stored in s3://" + bucket.name() + "/"
                        + object.key());
            }
        }
        byte[] needle = password.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(ran.outcome().work())) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertFalse(file.getFileName().toString().endsWith(".jceks"), "credential store left: " + file);
                assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
                        .contains(new String(needle, StandardCharsets.ISO_8859_1)), "the password is in " + file);
            }
        }
    }
}
