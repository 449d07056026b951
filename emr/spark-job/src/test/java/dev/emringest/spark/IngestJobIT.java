package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark job in Spark local mode over real Parquet and Avro files. */
class IngestJobIT {

    private static final Instant DAY_1 = Instant.parse("2025-03-01T23:59:58.123456789Z");
    private static final Instant DAY_1_LATER = Instant.parse("2025-03-01T23:59:59Z");
    private static final Instant DAY_2 = Instant.parse("2025-03-02T00:00:01Z");

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("IngestJobIT")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                // A session time zone far from UTC: the partition date must still be the UTC date.
                .config("spark.sql.session.timeZone", "America/Los_Angeles")
                .getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    private Dataset<Row> orders(long... ids) {
        StructType schema = new StructType()
                .add("id", DataTypes.LongType, false)
                .add("total", DataTypes.DoubleType, true)
                .add("status", DataTypes.StringType, true);
        List<Row> rows = java.util.Arrays.stream(ids)
                .mapToObj(id -> RowFactory.create(id, id * 1.5, id % 2 == 0 ? "paid" : "open"))
                .collect(Collectors.toList());
        return spark.createDataFrame(rows, schema);
    }

    private String stage(String name, String format, long... ids) {
        String path = dir.resolve("staging").resolve(name).toUri().toString();
        orders(ids).write().format(format).save(path);
        return path;
    }

    private JobArguments arguments(String input, String format, String output, String runKey, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--input", input, "--input-format", format,
                "--output", output, "--run-key", runKey, "--table", "orders"));
        args.addAll(List.of(more));
        return JobArguments.parse(args.toArray(String[]::new));
    }

    private List<String> partitions(Path output) throws Exception {
        try (Stream<Path> children = Files.list(output)) {
            return children.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("ingest_date="))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    void writesParquetPartitionedByIngestDateWithRunColumns() throws Exception {
        Path output = dir.resolve("out");
        String input = stage("run_1", "parquet", 1, 2, 3);

        IngestJob.run(spark, arguments(input, "parquet", output.toUri().toString(), "run-1"), DAY_1);

        assertEquals(List.of("ingest_date=2025-03-01"), partitions(output));
        Dataset<Row> written = spark.read().parquet(output.toUri().toString());
        assertEquals(DataTypes.StringType, written.schema().apply("_run_key").dataType());
        assertEquals(DataTypes.TimestampType, written.schema().apply("_ingested_at").dataType());
        assertEquals(DataTypes.DateType, written.schema().apply("ingest_date").dataType());
        List<Row> rows = written.select("id", "total", "status", "_run_key", "_ingested_at", "ingest_date")
                .orderBy("id").collectAsList();
        assertEquals(3, rows.size());
        assertEquals(RowFactory.create(2L, 3.0, "paid", "run-1",
                        Timestamp.from(Instant.parse("2025-03-01T23:59:58.123456Z")), Date.valueOf("2025-03-01")),
                rows.get(1));
    }

    @Test
    void parquetFilesHoldInt64MicrosTimestampsAndDictionariesOnlyForTextAndTheRunsColumns() throws Exception {
        Path output = dir.resolve("out");
        // Enough rows for a dictionary to pay where it may (Parquet drops one that does not, whatever it is told).
        IngestJob.run(spark, arguments(stage("run_5", "parquet", java.util.stream.LongStream.rangeClosed(1, 500)
                .toArray()), "parquet", output.toUri().toString(), "run-5", "--sql",
                "SELECT *, id % 3 AS bucket FROM source"), DAY_1);
        Path file;
        try (Stream<Path> files = Files.walk(output)) {
            file = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        try (org.apache.parquet.hadoop.ParquetFileReader reader = org.apache.parquet.hadoop.ParquetFileReader.open(
                org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()),
                        new org.apache.hadoop.conf.Configuration()))) {
            org.apache.parquet.schema.MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            org.apache.parquet.schema.PrimitiveType ingestedAt = schema.getType("_ingested_at").asPrimitiveType();
            assertEquals(org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64,
                    ingestedAt.getPrimitiveTypeName());
            assertEquals(org.apache.parquet.schema.LogicalTypeAnnotation.timestampType(true,
                    org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.MICROS),
                    ingestedAt.getLogicalTypeAnnotation());
            java.util.Map<String, Boolean> dictionary = new java.util.TreeMap<>();
            reader.getFooter().getBlocks().get(0).getColumns().forEach(c -> dictionary.put(c.getPath().toDotString(),
                    c.hasDictionaryPage()));
            // bucket has 3 values, where a dictionary would pay: numbers get none all the same.
            assertEquals(java.util.Map.of("id", false, "total", false, "status", true, "bucket", false, "_run_key",
                    true, "_ingested_at", true), dictionary);
        }
    }

    @Test
    void rerunReplacesOnlyItsOwnRunsPartitionEvenAfterMidnight() throws Exception {
        Path output = dir.resolve("out");
        String uri = output.toUri().toString();

        IngestJob.run(spark, arguments(stage("a", "parquet", 1, 2), "parquet", uri, "first",
                "--run-id", "r1", "--ingest-date", "2025-03-01"), DAY_1);
        // A second run on the same day keeps the first run's rows.
        IngestJob.run(spark, arguments(stage("b", "parquet", 10, 11, 12), "parquet", uri, "second",
                "--run-id", "r2", "--ingest-date", "2025-03-01"), DAY_1_LATER);
        // The first run retried the next day: the launcher passes the run's own date, so it replaces its partition.
        IngestJob.run(spark, arguments(stage("c", "parquet", 5), "parquet", uri, "first",
                "--run-id", "r1", "--ingest-date", "2025-03-01"), DAY_2);

        assertEquals(List.of("ingest_date=2025-03-01"), partitions(output));
        try (Stream<Path> runs = Files.list(output.resolve("ingest_date=2025-03-01"))) {
            assertEquals(List.of("_run_id=r1", "_run_id=r2"),
                    runs.map(p -> p.getFileName().toString()).sorted().toList());
        }
        List<Row> rows = spark.read().parquet(uri).select("id", "_run_key", "_run_id").orderBy("id").collectAsList();
        assertEquals(List.of(RowFactory.create(5L, "first", "r1"), RowFactory.create(10L, "second", "r2"),
                RowFactory.create(11L, "second", "r2"), RowFactory.create(12L, "second", "r2")), rows);

        String manifest = Files.readString(output.resolve("ingest_date=2025-03-01/_run_id=r1/_manifest.json"));
        assertTrue(manifest.contains("\"rowCount\":1,"), manifest);
        assertTrue(manifest.contains("\"runKey\":\"first\""), manifest);
        assertTrue(manifest.contains("\"name\":\"part-"), manifest);
        assertTrue(manifest.contains("\"schema\":{\"type\":\"struct\""), manifest);
    }

    @Test
    void readsAvroAndAppliesColumnsThenSql() throws Exception {
        Path output = dir.resolve("out");
        String input = stage("run_2", "avro", 1, 2, 3, 4);

        IngestJob.run(spark, arguments(input, "avro", output.toUri().toString(), "k",
                "--columns", "id,status",
                "--sql", "SELECT id, upper(status) AS status FROM source WHERE status = 'paid'"), DAY_2);

        Dataset<Row> written = spark.read().parquet(output.toUri().toString());
        assertEquals(List.of("id", "status", "_run_key", "_ingested_at", "ingest_date", "_run_id"),
                List.of(written.columns()));
        List<Row> rows = written.select("id", "status").orderBy("id").collectAsList();
        assertEquals(List.of(RowFactory.create(2L, "PAID"), RowFactory.create(4L, "PAID")), rows);
    }

    @Test
    void unknownColumnFailsTheJob() {
        String input = stage("run_3", "parquet", 1);
        JobArguments args = arguments(input, "parquet", dir.resolve("out").toUri().toString(), "k",
                "--columns", "id,nope");

        AnalysisException e = assertThrows(AnalysisException.class, () -> IngestJob.run(spark, args, DAY_1));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }
}
