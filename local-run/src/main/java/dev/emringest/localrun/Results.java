package dev.emringest.localrun;

import dev.emringest.launcher.ImportSteps;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import tools.jackson.databind.JsonNode;

/**
 * What a run left, as a user looks for it: rows per table (the run record's), where each table's data is (in moto's
 * S3 and on this machine) and its first rows, read back from the target with Spark: the run's Parquet partition, or
 * the Iceberg table through the same catalog the cluster used.
 */
final class Results {

    private static final int FIRST_ROWS = 5;
    private static final int WIDTH = 30;

    private Results() {}

    /** @return each table's data directory on this machine (a Parquet table's run partition), by table */
    static Map<String, Path> print(JsonNode record, JsonNode definition, Map<String, Path> buckets,
                                   Map<String, String> catalog, PrintStream out) {
        Map<String, Path> data = new LinkedHashMap<>();
        if (!"SUCCEEDED".equals(record.path("state").asText())) {
            JsonNode failure = record.path("failure");
            out.println("\n== why the run " + record.path("state").asText() + ": " + failure.path("code").asText()
                    + " " + failure.path("message").asText() + ", step " + failure.path("step").asText(""));
            for (JsonNode step : record.path("steps")) {
                if ("FAILED".equals(step.path("state").asText())) {
                    out.println(step.path("name").asText() + ": " + step.path("failureReason").asText("") + ": "
                            + step.path("failureMessage").asText(""));
                    out.println("its log: " + step.path("logFile").asText());
                }
            }
        }
        out.println("\n== what became of each table, and where the data is");
        List<JsonNode> written = new java.util.ArrayList<>();
        for (JsonNode table : record.path("tables")) {
            String name = table.path("name").asText();
            if (table.hasNonNull("error") || !table.path("rowsWritten").isNumber()) {
                out.println(name + ": FAILED: " + table.path("error").asText("no manifest (see the failed step)"));
                continue;
            }
            written.add(table);
            String manifest = table.path("manifest").asText();
            String partition = manifest.substring(0, manifest.lastIndexOf('/'));
            String catalogTable = table.path("catalogTable").asText(null);
            String rows = table.path("rowsWritten").asText();
            if (catalogTable != null) {
                out.println(name + ": " + rows + " rows, Iceberg table " + catalogTable
                        + " (moto's Glue and S3), commit " + table.path("commit"));
            } else {
                Path local = local(partition, buckets);
                data.put(name, local);
                out.println(name + ": " + rows + " rows in " + partition + "/ (moto's S3), on this machine " + local);
            }
        }
        if (written.isEmpty()) {
            return data;
        }
        SparkSession.Builder builder = SparkSession.builder().master("local[1]").appName("emr-ingest local run")
                .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC");
        boolean iceberg = definition.path("target").path("format").asText("parquet").equals("iceberg");
        Map<String, String> before = new LinkedHashMap<>();
        if (iceberg) {
            catalog.forEach(builder::config);
            // Iceberg's own AWS clients (GlueCatalog, S3FileIO) find moto's credentials here, for this reading only.
            for (String name : List.of("aws.accessKeyId", "aws.secretAccessKey")) {
                before.put(name, System.getProperty(name));
                System.setProperty(name, "testing");
            }
        }
        SparkSession spark = builder.getOrCreate();
        try {
            for (JsonNode table : written) {
                String name = table.path("name").asText();
                Dataset<Row> rows = table.hasNonNull("catalogTable")
                        ? spark.table(ImportSteps.CATALOG + "." + table.path("catalogTable").asText())
                        : spark.read().parquet(data.get(name).toUri().toString());
                out.println("\n== first rows of " + name);
                print(rows.columns(), rows.orderBy(rows.columns()[0]).limit(FIRST_ROWS).collectAsList(), out);
            }
        } finally {
            spark.stop();
            before.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
        }
        return data;
    }

    private static Path local(String s3Uri, Map<String, Path> buckets) {
        String[] parts = s3Uri.substring("s3://".length()).split("/", 2);
        Path bucket = buckets.get(parts[0]);
        return parts.length == 1 ? bucket : bucket.resolve(parts[1]);
    }

    /** A plain table: each column as wide as its widest cell, at most {@value #WIDTH} characters. */
    private static void print(String[] columns, List<Row> rows, PrintStream out) {
        List<String[]> lines = new java.util.ArrayList<>();
        lines.add(columns);
        for (Row row : rows) {
            String[] cells = new String[row.length()];
            for (int i = 0; i < row.length(); i++) {
                Object value = row.get(i);
                String text = value instanceof java.sql.Timestamp t ? t.toInstant().toString() : String.valueOf(value);
                cells[i] = text.length() > WIDTH ? text.substring(0, WIDTH - 1) + "…" : text;
            }
            lines.add(cells);
        }
        int[] widths = new int[columns.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        for (String[] line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                text.append(String.format("%-" + (widths[i] + 2) + "s", line[i]));
            }
            out.println(text.toString().stripTrailing());
        }
    }
}
