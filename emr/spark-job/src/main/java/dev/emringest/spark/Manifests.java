package dev.emringest.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Each table's {@code _manifest.json} for the run, which the recorder reads: what the run wrote (rows, schema, files,
 * an Iceberg commit), or, for a table that failed, {@code "error"} and no {@code rowCount}.
 */
final class Manifests {

    /** Long enough for the database's message; a failure's whole trace is in the step's log. */
    private static final int MAX_ERROR = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifests() {}

    /**
     * Writes the manifest of a table written by the run into {@code partition}; returns its rows. {@code schema} is
     * the schema written: the files' (as Spark stored it in their footers) or the Iceberg table's. With
     * {@code --max-key-column}, also {@code "maxKey"}: the highest key read, null when no row was read. For an Iceberg
     * target ({@code table} not null) the manifest describes the run's rows and commit instead of files:
     * {@code "commit"} as {@link IcebergTarget.Commit#json}, null when the run had no rows.
     *
     * <p>A files target's rows are counted from what is stored: each Parquet file's footer, without a Spark job.
     */
    static long write(SparkSession spark, JobArguments arguments, Instant ingestedAt, String partition, Long maxKey,
                      StructType schema, IcebergTarget.Outcome table) {
        Path dir = new Path(partition);
        List<String> files = new ArrayList<>();
        long bytes = 0;
        long rows = 0;
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (table != null) {
            rows = table.rows();
        } else {
            try {
                for (FileStatus file : dir.getFileSystem(conf).listStatus(dir)) {
                    String name = file.getPath().getName();
                    if (file.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                        files.add("{\"name\":" + quote(name) + ",\"bytes\":" + file.getLen() + "}");
                        bytes += file.getLen();
                        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromStatus(file,
                                conf))) {
                            rows += footer.getRecordCount();
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot count the rows of the Parquet files in " + partition, e);
            }
        }
        store(spark, new Path(dir, IngestJob.MANIFEST), head(arguments, ingestedAt)
                + ",\"rowCount\":" + rows
                + (arguments.maxKeyColumn().isPresent() ? ",\"maxKey\":" + maxKey : "")
                + ",\"bytes\":" + bytes
                + ",\"schema\":" + schema.json()
                + ",\"files\":[" + String.join(",", files) + "]"
                + (table == null ? "" : table.commit().map(c -> ",\"commit\":" + c.json()).orElse(""))
                + "}\n");
        return rows;
    }

    /** The manifest of a table that failed in this run: {@code "error"} says why, there is no row count. */
    static void writeFailure(SparkSession spark, JobArguments arguments, Instant ingestedAt, String manifest,
                             String error) {
        store(spark, new Path(manifest), head(arguments, ingestedAt) + ",\"error\":" + quote(error) + "}\n");
    }

    /**
     * The rows of the table's manifest when an earlier attempt of this run wrote the table (a manifest of the run
     * without {@code "error"}); empty when it has still to be written.
     */
    static Optional<Long> writtenRows(SparkSession spark, String manifest, String runKey) throws IOException {
        Path path = new Path(manifest);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        JsonNode document;
        try (InputStream in = fs.open(path)) {
            document = JSON.readTree(in);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
        if (!runKey.equals(document.path("runKey").asText(null)) || document.has("error")
                || !document.path("rowCount").canConvertToLong()) {
            return Optional.empty();
        }
        return Optional.of(document.path("rowCount").asLong());
    }

    /**
     * What the step's log and the run's record say of a table's failure: each cause's message, outermost first
     * (Spark wraps the database's own message), without repeats and without the password.
     */
    static String cause(Throwable e, String secret) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause() == t ? null : t.getCause()) {
            // Spark's stage failures repeat the task's exception and its stack trace: the first line says it.
            String message = t.getMessage() == null || t.getMessage().isBlank() ? null
                    : t.getMessage().strip().lines().findFirst().orElseThrow();
            if (message != null && parts.stream().noneMatch(p -> p.contains(message))) {
                parts.add(t.getClass().getSimpleName() + ": " + message);
            }
        }
        String text = parts.isEmpty() ? e.getClass().getName() : String.join(" <- ", parts);
        if (secret != null && !secret.isEmpty()) {
            text = text.replace(secret, "***");
        }
        return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR) + "...";
    }

    private static String head(JobArguments arguments, Instant ingestedAt) {
        return "{\"table\":" + quote(arguments.table())
                + ",\"runKey\":" + quote(arguments.runKey())
                + ",\"runId\":" + quote(arguments.runId())
                + ",\"ingestDate\":" + quote(IngestJob.ingestDate(arguments, ingestedAt).toString())
                + ",\"ingestedAt\":" + quote(ingestedAt.truncatedTo(ChronoUnit.MICROS).toString())
                + ",\"input\":" + quote(arguments.jdbc().map(JobArguments.Jdbc::url).orElse(arguments.input()));
    }

    private static void store(SparkSession spark, Path path, String json) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
