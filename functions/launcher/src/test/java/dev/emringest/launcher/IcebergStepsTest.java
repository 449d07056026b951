package dev.emringest.launcher;

import static dev.emringest.launcher.ExampleRequests.ASSETS;
import static dev.emringest.launcher.ExampleRequests.RUN;
import static dev.emringest.launcher.ExampleRequests.SETTINGS;
import static dev.emringest.launcher.ExampleRequests.example;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.RunWindow.TableWindow;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.StepConfig;

/**
 * The steps of a job whose target is Iceberg tables, with either importer: the Spark job's table options (the
 * table in the cluster's catalog, the mode, a merge's key, order column and primary key file), where the run's
 * manifests go and the catalog table the claim records.
 */
class IcebergStepsTest {

    private static final Instant CLAIMED = Instant.parse("2026-11-25T23:59:59Z");
    private static final Instant FROM = Instant.parse("2026-11-25T01:00:00Z");
    private static final Instant TO = Instant.parse("2026-11-25T02:00:00Z");

    /**
     * Four tables, the job's mode merge: {@code orders} incremental by time, merged by its primary key;
     * {@code Customers} merged by a named key; {@code events} appended to {@code event_log}, incremental by key;
     * {@code products} incremental by time, merged by a named key.
     */
    private static final String JOB = """
            {"source": {"jdbcUrl": "jdbc:mysql://shop-db.internal:3306/shop", "username": "ingest",
              "passwordParameter": "/emr-ingest/secrets/shop-db",
              "tables": [
                {"name": "orders", "splitBy": "id", "incremental": {"column": "updated_at", "mode": "lastmodified"}},
                {"name": "Customers", "mappers": 2, "target": {"mergeKey": ["id", "tenant"]}},
                {"name": "events", "incremental": {"column": "id", "mode": "append"},
                 "target": {"table": "event_log", "mode": "append"}},
                {"name": "products", "incremental": {"column": "changed_at", "mode": "lastmodified"},
                 "target": {"mergeKey": ["sku"]}}]},
             "target": {"s3Uri": "s3://lake/wh/", "format": "iceberg", "database": "shop", "mode": "merge"}}""";

    private static final RunWindow WINDOW = new RunWindow(false, Map.of(
            "orders", new TableWindow("lastmodified", "updated_at", FROM, TO, null, null, "s3://t/o"),
            "events", new TableWindow("append", "id", null, null, 41L, null, "s3://t/e"),
            "products", new TableWindow("lastmodified", "changed_at", FROM, TO, null, null, "s3://t/p")));

    private static String sparkJdbc(String job) {
        return job.replaceFirst("\\{", "{\"importer\": \"spark-jdbc\", \"cluster\": {\"releaseLabel\": \"emr-7.10.0\"}, ");
    }

    private static List<StepConfig> steps(String job) throws IOException {
        return ClusterRequestBuilder.build(example(job), RUN, CLAIMED, WINDOW, SETTINGS, ASSETS).steps();
    }

    private static String staging(String table) {
        return "hdfs:///emr-ingest/staging/" + RUN.runId() + "/" + table;
    }

    /** The table's group of the Spark application's arguments: from its {@code --table} to the next. */
    private static List<String> group(StepConfig step, String table) {
        List<String> args = step.hadoopJarStep().args();
        int from = -1;
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).equals("--table") && args.get(i + 1).equals(table)) {
                from = i;
            }
        }
        int to = from + 2;
        while (to < args.size() && !args.get(to).equals("--table")) {
            to++;
        }
        return args.subList(from, to);
    }

    private static List<String> concat(List<?>... parts) {
        List<String> all = new ArrayList<>();
        for (List<?> part : parts) {
            part.forEach(p -> all.add((String) p));
        }
        return all;
    }

    private static List<String> sqoopSource(String table, String mappers) {
        return List.of(ASSETS.sqoopStep(), "--jdbc-url", "jdbc:mysql://shop-db.internal:3306/shop",
                "--username", "ingest", "--password-parameter", "/emr-ingest/secrets/shop-db", "--tls-mode", "verify-identity",
                "--table", table,
                "--target-dir", staging(table.toLowerCase(java.util.Locale.ROOT)), "--format", "avro",
                "--num-mappers", mappers, "--tools-jar", ASSETS.sparkJob(), "--region", "eu-west-1");
    }

    private static List<String> sparkStaged(String table, String manifests) {
        return List.of("--table", table, "--output", "s3://lake/wh/_manifests/shop/" + manifests,
                "--input", staging(table.toLowerCase(java.util.Locale.ROOT)), "--input-format", "avro");
    }

    private static final List<String> TIME_WINDOW = List.of("--lower-bound", "2026-11-25T01:00:00Z",
            "--upper-bound", "2026-11-25T02:00:00Z");

    @Test
    void sqoopMergeByThePrimaryKeyHasTheImportStepWriteTheKeyForTheSparkStep() throws IOException {
        List<StepConfig> steps = steps(JOB);
        assertEquals(List.of("sqoop-import orders", "sqoop-import Customers", "sqoop-import events",
                "sqoop-import products", "spark-load"), steps.stream().map(StepConfig::name).toList());
        String keyFile = staging("orders") + ".primary-key";
        assertEquals(concat(sqoopSource("orders", "4"), List.of("--split-by", "id", "--where-column", "updated_at"),
                TIME_WINDOW, List.of("--primary-key-file", keyFile)), steps.get(0).hadoopJarStep().args());
        List<String> load = steps.get(4).hadoopJarStep().args();
        assertEquals(List.of("--run-key", "2026-11-25T02:00:00Z", "--run-id", RUN.runId(), "--ingest-date",
                "2026-11-25"), load.subList(load.indexOf("--run-key"), load.indexOf("--table")));
        assertEquals(concat(sparkStaged("orders", "orders"), List.of(
                "--target-table", "glue_catalog.shop.orders", "--mode", "merge", "--order-column", "updated_at",
                "--primary-key-file", keyFile)), group(steps.get(4), "orders"));
    }

    @Test
    void sqoopMergeByANamedKeyNeedsNoKeyFile() throws IOException {
        List<StepConfig> steps = steps(JOB);
        assertEquals(sqoopSource("Customers", "2"), steps.get(1).hadoopJarStep().args());
        assertEquals(concat(sparkStaged("Customers", "customers"), List.of(
                "--target-table", "glue_catalog.shop.customers", "--mode", "merge", "--merge-key", "id,tenant")),
                group(steps.get(4), "Customers"), "no order column: the table is not incremental");

        assertEquals(concat(sqoopSource("products", "4"), List.of("--where-column", "changed_at"), TIME_WINDOW),
                steps.get(3).hadoopJarStep().args());
        assertEquals(concat(sparkStaged("products", "products"), List.of(
                "--target-table", "glue_catalog.shop.products", "--mode", "merge", "--merge-key", "sku",
                "--order-column", "changed_at")), group(steps.get(4), "products"));
    }

    @Test
    void sqoopAppendHasNoMergeOptions() throws IOException {
        List<StepConfig> steps = steps(JOB);
        assertEquals(concat(sqoopSource("events", "4"), List.of("--where-column", "id", "--above-key", "41")),
                steps.get(2).hadoopJarStep().args());
        assertEquals(concat(sparkStaged("events", "event_log"), List.of("--max-key-column", "id",
                "--target-table", "glue_catalog.shop.event_log", "--mode", "append")),
                group(steps.get(4), "events"));
    }

    @Test
    void anAppendJobMergesOnlyTheTablesThatSaySo() throws IOException {
        String job = JOB.replace("\"database\": \"shop\", \"mode\": \"merge\"", "\"database\": \"shop\", \"mode\": \"append\"")
                .replace("\"target\": {\"mergeKey\": [\"id\", \"tenant\"]}", "\"target\": {\"mode\": \"merge\"}")
                .replace(",\n     \"target\": {\"mergeKey\": [\"sku\"]}", "");
        List<StepConfig> steps = steps(job);
        List<String> orders = group(steps.get(4), "orders");
        assertEquals(List.of("--target-table", "glue_catalog.shop.orders", "--mode", "append"),
                orders.subList(orders.size() - 4, orders.size()), "append: no order column, no key file");
        assertFalse(steps.get(0).hadoopJarStep().args().contains("--primary-key-file"));
        String keyFile = staging("customers") + ".primary-key";
        assertEquals(concat(sqoopSource("Customers", "2"), List.of("--primary-key-file", keyFile)),
                steps.get(1).hadoopJarStep().args());
        List<String> customers = group(steps.get(4), "Customers");
        assertEquals(List.of("--target-table", "glue_catalog.shop.customers", "--mode", "merge",
                "--primary-key-file", keyFile), customers.subList(customers.size() - 6, customers.size()));
        List<String> products = group(steps.get(4), "products");
        assertEquals(List.of("--target-table", "glue_catalog.shop.products", "--mode", "append"),
                products.subList(products.size() - 4, products.size()));
    }

    private static List<String> sparkJdbcTable(String table, String manifests) {
        return List.of("--table", table, "--output", "s3://lake/wh/_manifests/shop/" + manifests);
    }

    @Test
    void sparkJdbcReadsThePrimaryKeyItselfSoNoStepHasAKeyFile() throws IOException {
        List<StepConfig> steps = steps(sparkJdbc(JOB));
        assertEquals(List.of("spark-jdbc-import"), steps.stream().map(StepConfig::name).toList());
        StepConfig step = steps.get(0);
        assertEquals(concat(sparkJdbcTable("orders", "orders"), List.of("--split-by", "id", "--num-partitions", "4",
                "--where-column", "updated_at"), TIME_WINDOW, List.of(
                "--target-table", "glue_catalog.shop.orders", "--mode", "merge", "--order-column", "updated_at")),
                group(step, "orders"));
        assertEquals(concat(sparkJdbcTable("Customers", "customers"), List.of(
                "--target-table", "glue_catalog.shop.customers", "--mode", "merge", "--merge-key", "id,tenant")),
                group(step, "Customers"));
        assertEquals(concat(sparkJdbcTable("events", "event_log"), List.of("--where-column", "id", "--above-key",
                "41", "--max-key-column", "id", "--target-table", "glue_catalog.shop.event_log",
                "--mode", "append")), group(step, "events"));
        assertEquals(concat(sparkJdbcTable("products", "products"), List.of("--where-column", "changed_at"),
                TIME_WINDOW, List.of("--target-table", "glue_catalog.shop.products", "--mode", "merge",
                "--merge-key", "sku", "--order-column", "changed_at")), group(step, "products"));
        assertFalse(step.hadoopJarStep().args().contains("--primary-key-file"));
    }

    @Test
    void manifestsGoUnderTheWarehouseByDatabaseAndTable() throws IOException {
        JobDefinition definition = example(JOB);
        assertEquals("s3://lake/wh/_manifests/shop/event_log/ingest_date=2026-11-25/_run_id=" + RUN.runId()
                + "/_manifest.json", ImportSteps.manifest(definition, definition.source().tables().get(2), RUN,
                CLAIMED));
    }

    @Test
    void theClaimRecordsEachTablesCatalogTable() throws IOException {
        String prefix = "s3://lake/wh/_manifests/shop/";
        String suffix = "/ingest_date=2026-11-25/_run_id=" + RUN.runId() + "/_manifest.json";
        assertEquals(List.of(
                new RunRecord.TableOutput("orders", prefix + "orders" + suffix, null, "shop.orders", null),
                new RunRecord.TableOutput("Customers", prefix + "customers" + suffix, null, "shop.customers", null),
                new RunRecord.TableOutput("events", prefix + "event_log" + suffix, null, "shop.event_log", null),
                new RunRecord.TableOutput("products", prefix + "products" + suffix, null, "shop.products", null)),
                ImportSteps.outputs(example(JOB), RUN, CLAIMED));
    }

    @Test
    void aParquetJobsOutputsHaveNoCatalogTable() throws IOException {
        JobDefinition definition = example(java.nio.file.Files.readString(
                ExampleRequests.EXAMPLES.resolve("jobs/orders.json")));
        List<RunRecord.TableOutput> outputs = ImportSteps.outputs(definition, RUN, CLAIMED);
        assertEquals(new RunRecord.TableOutput("orders", "s3://example-lake/raw/shop/orders/ingest_date=2026-11-25"
                + "/_run_id=" + RUN.runId() + "/_manifest.json", null), outputs.get(0));
        assertEquals(null, outputs.get(1).catalogTable());
        for (StepConfig step : ClusterRequestBuilder.build(definition, RUN, CLAIMED, SETTINGS, ASSETS).steps()) {
            List<String> args = step.hadoopJarStep().args();
            for (String option : List.of("--target-table", "--mode", "--merge-key", "--order-column",
                    "--primary-key-file")) {
                assertFalse(args.contains(option), step.name() + ": " + args);
            }
        }
    }
}
