package dev.emringest.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * Spark step: reads one table's staged import, applies the job's transform and writes Parquet partitioned by
 * {@code ingest_date}, replacing only the partition this run writes.
 *
 * <p>Added columns: {@code _run_key} (string), {@code _ingested_at} (timestamp, one instant for the whole run) and
 * {@code ingest_date} (that instant's date in UTC, the partition column).
 */
public final class IngestJob {

    public static final String RUN_KEY_COLUMN = "_run_key";
    public static final String INGESTED_AT_COLUMN = "_ingested_at";
    public static final String INGEST_DATE_COLUMN = "ingest_date";

    private IngestJob() {
    }

    public static void main(String[] args) {
        JobArguments arguments;
        try {
            arguments = JobArguments.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("IngestJob: " + e.getMessage());
            System.err.println(JobArguments.USAGE);
            throw e;
        }
        SparkSession spark = SparkSession.builder()
                .appName("emr-ingest " + arguments.table() + " " + arguments.runKey())
                .getOrCreate();
        try {
            run(spark, arguments, Instant.now());
        } finally {
            spark.stop();
        }
    }

    /** Reads, transforms and writes one table for one run. */
    public static void run(SparkSession spark, JobArguments arguments, Instant ingestedAt) {
        Dataset<Row> staged = spark.read().format(arguments.inputFormat()).load(arguments.input());
        Dataset<Row> result = transform(spark, staged, arguments, ingestedAt);
        // Dynamic overwrite: only the partitions present in `result` are replaced, older ingest dates stay.
        spark.conf().set("spark.sql.sources.partitionOverwriteMode", "dynamic");
        result.write()
                .mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic")
                .partitionBy(INGEST_DATE_COLUMN)
                .parquet(arguments.output());
    }

    /** Column selection, then the operator's SQL over the view {@code source}, then the run's columns. */
    static Dataset<Row> transform(SparkSession spark, Dataset<Row> staged, JobArguments arguments,
                                  Instant ingestedAt) {
        Dataset<Row> data = staged;
        if (!arguments.columns().isEmpty()) {
            data = data.select(arguments.columns().stream().map(IngestJob::column).toArray(Column[]::new));
        }
        if (arguments.sql().isPresent()) {
            data.createOrReplaceTempView(JobArguments.SOURCE_VIEW);
            data = spark.sql(arguments.sql().get());
        }
        // Parquet and Spark keep microseconds: truncate so the stored value equals the one computed here.
        Instant at = ingestedAt.truncatedTo(ChronoUnit.MICROS);
        LocalDate date = LocalDate.ofInstant(at, ZoneOffset.UTC);
        return data
                .withColumn(RUN_KEY_COLUMN, lit(arguments.runKey()).cast(DataTypes.StringType))
                .withColumn(INGESTED_AT_COLUMN, lit(at).cast(DataTypes.TimestampType))
                .withColumn(INGEST_DATE_COLUMN, lit(date).cast(DataTypes.DateType));
    }

    /** A column reference that treats dots and other characters in the name literally. */
    private static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }
}
