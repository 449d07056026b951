package dev.emringest.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Spark step: one application for all the run's tables ({@link RunArguments}). For each table it reads the staged
 * import (or, for {@code importer: spark-jdbc}, the table itself over JDBC with partitioned, streamed reads), applies
 * the job's transform and writes Parquet partitioned by {@code ingest_date} and {@code _run_id}, replacing only this
 * run's partition, or an Iceberg table ({@link IcebergTarget}); then writes the table's {@code _manifest.json}
 * ({@link Manifests}), which says why when the table failed.
 *
 * <p>Added columns: {@code _run_key} (string), {@code _ingested_at} (timestamp, one instant for the whole run),
 * {@code ingest_date} (the run's date, fixed by the launcher) and {@code _run_id} (the run's short id); the last two
 * are the partition columns.
 *
 * <p>Sqoop's Avro carries DATE and TIMESTAMP columns as epoch milliseconds ({@code long}) and records the JDBC type
 * of each field in the schema ({@code "sqlType"}); the job turns those back into {@code date} and {@code timestamp}
 * before anything else, so the target has the source's types.
 */
public final class IngestJob {

    public static final String RUN_KEY_COLUMN = "_run_key";
    public static final String RUN_ID_COLUMN = "_run_id";
    public static final String INGESTED_AT_COLUMN = "_ingested_at";
    public static final String INGEST_DATE_COLUMN = "ingest_date";
    public static final String MANIFEST = "_manifest.json";

    static final String CREDENTIAL_PROVIDER_PATH = "hadoop.security.credential.provider.path";
    static final String MYSQL_DRIVER = "com.mysql.cj.jdbc.Driver";

    private static final int SQL_DATE = 91;
    private static final int SQL_TIMESTAMP = 93;
    private static final int SQL_TIMESTAMP_WITH_TIMEZONE = 2014;

    private IngestJob() {
    }

    public static void main(String[] args) {
        RunArguments run;
        try {
            run = RunArguments.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("IngestJob: " + e.getMessage());
            System.err.println(RunArguments.USAGE);
            throw e;
        }
        // Before Spark starts: a password that is not there fails the step at once.
        run.tables().stream().flatMap(t -> t.jdbc().stream()).map(JobArguments.Jdbc::passwordStdin)
                .filter(java.util.Objects::nonNull).findFirst()
                .ifPresent(format -> SourcePassword.readStandardInput(System.in, format));
        connectAhead(run);
        SparkSession spark = SparkSession.builder()
                .appName("emr-ingest " + run.runKey())
                // Each table's jobs go to a pool of their own: a small table is not queued behind a big one.
                .config("spark.scheduler.mode", "FAIR")
                .getOrCreate();
        try {
            runAll(spark, run, Instant.now());
        } finally {
            spark.stop();
        }
    }

    /** What became of one table of the run. */
    public record TableResult(String table, String manifest, Long rows, String error) {
        public boolean failed() {
            return error != null;
        }
    }

    /** Thrown once every table of the run has been tried, when any failed; the others are written and reported. */
    public static final class TablesFailedException extends RuntimeException {
        TablesFailedException(List<TableResult> results) {
            super(summary(results));
        }

        private static String summary(List<TableResult> results) {
            List<TableResult> failed = results.stream().filter(TableResult::failed).toList();
            StringBuilder out = new StringBuilder(failed.size() + " of " + results.size() + " tables failed:");
            failed.forEach(r -> out.append(" table ").append(r.table()).append(": ").append(r.error()).append(';'));
            return out.substring(0, out.length() - 1);
        }
    }

    /**
     * Every table of the run, {@link RunArguments#parallelTables} at a time, each in a session of its own (its own
     * {@code source} view) and FAIR pool, within the run's database connections. A table that fails gets a manifest
     * that says why and does not stop the others; a files target whose manifest says it was written in an earlier
     * attempt of the run is not written again (an Iceberg table is committed once per run by {@link IcebergTarget}).
     *
     * @throws TablesFailedException after all tables were tried, when any failed
     */
    public static List<TableResult> runAll(SparkSession spark, RunArguments run, Instant ingestedAt) {
        // Parquet and Spark keep microseconds: one instant, as stored, for every table of the run.
        Instant at = ingestedAt.truncatedTo(ChronoUnit.MICROS);
        Semaphore connections = new Semaphore(run.maxConnections(), true);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(run.parallelTables(), run.tables().size()));
        try {
            List<Future<TableResult>> futures = new ArrayList<>();
            for (JobArguments table : run.tables()) {
                futures.add(pool.submit(() -> runTable(spark, table, run.tables().size() == 1, at, connections,
                        run.maxConnections())));
            }
            List<TableResult> results = new ArrayList<>();
            for (Future<TableResult> future : futures) {
                try {
                    results.add(future.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the run's tables were written", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a table's runner failed outside its table", e.getCause());
                }
            }
            if (results.stream().anyMatch(TableResult::failed)) {
                throw new TablesFailedException(results);
            }
            return results;
        } finally {
            pool.shutdownNow();
            SourceQueries.closeAhead();
        }
    }

    private static TableResult runTable(SparkSession spark, JobArguments table, boolean onlyTable, Instant ingestedAt,
                                        Semaphore connections, int maxConnections) {
        SparkSession session = TableSession.of(spark, table.table(), onlyTable);
        String manifest = partition(table, ingestedAt) + "/" + MANIFEST;
        // Over JDBC the table holds a connection per partition; the staged path reads no database.
        int permits = table.jdbc().map(j -> Math.min(j.numPartitions(), maxConnections)).orElse(0);
        try {
            // An Iceberg table's own snapshots say whether the run committed (IcebergTarget), and its manifest is
            // written again to say so; a files target has only its manifest to tell.
            Optional<Long> earlier = table.tableTarget().isPresent() ? Optional.empty()
                    : Manifests.writtenRows(session, manifest, table.runKey());
            if (earlier.isPresent()) {
                System.err.println("IngestJob: table " + table.table() + " was written by an earlier attempt of run "
                        + table.runKey() + " (" + earlier.get() + " rows, " + manifest + "): not written again");
                return new TableResult(table.table(), manifest, earlier.get(), null);
            }
            connections.acquire(permits);
            try {
                long rows = run(session, table, ingestedAt);
                System.err.println("IngestJob: table " + table.table() + ": " + rows + " rows written, manifest "
                        + manifest);
                return new TableResult(table.table(), manifest, rows, null);
            } finally {
                connections.release(permits);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(session, table, ingestedAt, manifest, e);
        } catch (Exception | LinkageError e) {
            return failed(session, table, ingestedAt, manifest, e);
        } finally {
            session.sparkContext().setLocalProperty("spark.scheduler.pool", null);
        }
    }

    private static TableResult failed(SparkSession session, JobArguments table, Instant ingestedAt, String manifest,
                                      Throwable e) {
        String error = Manifests.cause(e, secret(session, table));
        System.err.println("IngestJob: table " + table.table() + " FAILED: " + error);
        e.printStackTrace();
        try {
            Manifests.writeFailure(session, table, ingestedAt, manifest, error);
        } catch (RuntimeException again) {
            System.err.println("IngestJob: could not write the failure manifest " + manifest + ": " + again);
        }
        return new TableResult(table.table(), manifest, null, error);
    }

    /** The password, to keep it out of a failure's message; null on the staged path or when it cannot be read. */
    private static String secret(SparkSession session, JobArguments table) {
        try {
            return table.jdbc().map(j -> new String(SourcePassword.of(session.sparkContext().hadoopConfiguration(),
                    j))).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The directory the table's run writes: its partition (files), or the run's manifest directory (Iceberg). */
    static String partition(JobArguments arguments, Instant ingestedAt) {
        return arguments.output().replaceAll("/+$", "") + "/" + INGEST_DATE_COLUMN + "="
                + ingestDate(arguments, ingestedAt) + "/" + RUN_ID_COLUMN + "=" + arguments.runId();
    }

    /** Reads, transforms and writes one table for one run; returns the rows written. */
    static long run(SparkSession spark, JobArguments arguments, Instant ingestedAt) {
        Dataset<Row> source;
        Long[] maxKey = {null};
        if (arguments.jdbc().isPresent()) {
            source = readJdbc(spark, arguments.table(), arguments.jdbc().get(), arguments.window().orElse(null),
                    arguments.maxKeyColumn().orElse(null), maxKey);
        } else {
            source = restoreTypes(spark.read().format(arguments.inputFormat()).load(staged(spark, arguments)),
                    stagedSqlTypes(spark, arguments));
            if (arguments.maxKeyColumn().isPresent()) {
                // The staged files are fixed: their maximum is the highest key the import step read.
                String name = arguments.maxKeyColumn().get();
                maxKey[0] = toLong(arguments.table(), name,
                        source.agg(org.apache.spark.sql.functions.max(column(name))).first().get(0));
            }
        }
        Dataset<Row> result = transform(spark, source, arguments, ingestedAt);
        String partition = partition(arguments, ingestedAt);
        if (arguments.tableTarget().isPresent()) {
            // The table keeps which run last wrote a row and when; the file target's partition columns stay out.
            IcebergTarget.Outcome outcome = IcebergTarget.write(spark, result.drop(RUN_KEY_COLUMN, INGEST_DATE_COLUMN),
                    arguments.runId(), arguments.runKey(), arguments.tableTarget().get(),
                    () -> primaryKey(spark, arguments));
            return Manifests.write(spark, arguments, ingestedAt, partition, maxKey[0],
                    spark.table(arguments.tableTarget().get().name()).schema(), outcome);
        }
        // Straight into the run's partition directory, replacing only it: the files hold no partition column (the
        // directory names them, as partitionBy writes them), and no per-task sort by partition values is planned, which
        // partitionBy costs even with one value.
        Dataset<Row> files = result.drop(INGEST_DATE_COLUMN, RUN_ID_COLUMN);
        // Timestamps as the Parquet format's INT64 microseconds (what the Iceberg target and most readers use), not
        // Spark's default INT96, which the format deprecates.
        spark.conf().set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS");
        files.write().mode(SaveMode.Overwrite).options(dictionaryOptions(files.schema()))
                .parquet(partition);
        return Manifests.write(spark, arguments, ingestedAt, partition, maxKey[0], files.schema(), null);
    }

    /**
     * Parquet's writer options that leave dictionary encoding to the columns where it may pay: strings and booleans
     * (enumerations, flags) and the run's constant columns. A dictionary is tried on every column chunk and dropped
     * once it does not pay; for numbers and instants from a database table (keys, amounts, event times) it seldom
     * does, and the attempt costs time on every chunk (emr/README.md, "Output layout", says how much).
     */
    static Map<String, String> dictionaryOptions(StructType schema) {
        Map<String, String> options = new HashMap<>();
        for (StructField field : schema.fields()) {
            boolean textual = field.dataType() instanceof StringType || field.dataType() instanceof BooleanType;
            if (!textual && !field.name().equals(RUN_KEY_COLUMN) && !field.name().equals(INGESTED_AT_COLUMN)) {
                options.put("parquet.enable.dictionary#" + field.name(), "false");
            }
        }
        return options;
    }

    /**
     * The staged import's directory, once its import step is known to have finished: MapReduce's {@code _SUCCESS}
     * (Avro) or Kite's dataset metadata (Parquet). Without either the table's import step failed or did not run.
     */
    private static String staged(SparkSession spark, JobArguments arguments) {
        Path input = new Path(arguments.input());
        try {
            FileSystem fs = input.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(new Path(input, "_SUCCESS")) && !fs.exists(new Path(input, ".metadata"))) {
                throw new IllegalStateException("no finished import of table " + arguments.table() + " in "
                        + arguments.input() + " (neither _SUCCESS nor .metadata): its sqoop-import step failed or did"
                        + " not run");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for the staged import in " + arguments.input(), e);
        }
        return arguments.input();
    }

    /** An integer key column's MAX as a long; null when no row was read. */
    static Long toLong(String table, String column, Object max) {
        if (max == null) {
            return null;
        }
        try {
            if (max instanceof java.math.BigDecimal d) {
                return d.longValueExact();
            }
            if (max instanceof java.math.BigInteger i) {
                return i.longValueExact();
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--max-key-column " + column + " of table " + table
                    + " is not a 64-bit integer: its maximum is " + max);
        }
        if (max instanceof Long || max instanceof Integer || max instanceof Short || max instanceof Byte) {
            return ((Number) max).longValue();
        }
        throw new IllegalArgumentException("--max-key-column " + column + " of table " + table + " is of type "
                + max.getClass().getSimpleName() + ": append tables need an integer key column");
    }

    private static final java.time.format.DateTimeFormatter DATETIME_LITERAL =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /**
     * The window as SQL, from typed values only: the column is a validated identifier (quoted), instants become
     * {@code 'YYYY-MM-DD HH:MM:SS.ffffff'} DATETIME literals in UTC, keys decimal integers.
     */
    static List<String> predicates(JobArguments.Window window) {
        List<String> where = new ArrayList<>();
        if (window == null) {
            return where;
        }
        String column = quoteIdentifier(window.column());
        if (window.byTime()) {
            if (window.lower() != null) {
                where.add(column + " >= '" + DATETIME_LITERAL.format(window.lower()) + "'");
            }
            where.add(column + " < '" + DATETIME_LITERAL.format(window.upper()) + "'");
        } else {
            if (window.above() != null) {
                where.add(column + " > " + window.above().longValue());
            }
            if (window.upTo() != null) {
                where.add(column + " <= " + window.upTo().longValue());
            }
        }
        return where;
    }

    private static String relation(String quotedTable, List<String> where) {
        return where.isEmpty() ? quotedTable
                : "(SELECT * FROM " + quotedTable + " WHERE " + String.join(" AND ", where) + ") AS emr_ingest_window";
    }

    /**
     * Reads the table over JDBC ({@code importer: spark-jdbc}). The password comes from where the step script put it
     * ({@link SourcePassword}: the driver's standard input, or a jceks store on this node by alias), and goes to the
     * JDBC reader as a connection property only; it is never logged.
     *
     * <p>With a split column: {@code SELECT MIN, MAX} of it ({@link SourceQueries}), then {@code numPartitions}
     * parallel range reads (Spark's stride partitioning: the first and last ranges are open, NULLs go to the first, so
     * every row is read once). Without one, or for an empty table, a single read.
     */
    static Dataset<Row> readJdbc(SparkSession spark, String table, JobArguments.Jdbc jdbc) {
        return readJdbc(spark, table, jdbc, null, null, new Long[1]);
    }

    /**
     * With a window, reads only its rows (a {@code dbtable} subquery over the typed predicates); with a max-key
     * column, first takes that column's MAX over the window and bounds the read by it ({@code <= max}, nothing when
     * there is no row), so the {@code maxKey} reported ({@code maxKey[0]}) is exactly the highest key read even while
     * rows are being inserted.
     */
    static Dataset<Row> readJdbc(SparkSession spark, String table, JobArguments.Jdbc jdbc,
                                 JobArguments.Window window, String maxKeyColumn, Long[] maxKey) {
        Map<String, String> options = jdbcOptions(jdbc, SourcePassword.of(spark.sparkContext().hadoopConfiguration(),
                jdbc), window);
        List<String> where = predicates(window);
        String quotedTable = relation(quoteIdentifier(table), where);
        Properties connection = connectionProperties(options);
        if (maxKeyColumn != null) {
            String key = quoteIdentifier(maxKeyColumn);
            maxKey[0] = toLong(table, maxKeyColumn, SourceQueries.row(jdbc.url(), connection, "SELECT MAX(" + key
                    + ") AS max_key FROM " + quotedTable, "cannot read the maximum of " + maxKeyColumn + " of table "
                    + table)[0]);
            where.add(maxKey[0] == null ? "1 = 0" : key + " <= " + maxKey[0].longValue());
            quotedTable = relation(quoteIdentifier(table), where);
        }

        Map<String, String> read = new HashMap<>(options);
        read.put("dbtable", quotedTable);
        String partitioning = "1 partition";
        if (jdbc.splitBy() != null) {
            String column = quoteIdentifier(jdbc.splitBy());
            Object[] minMax = SourceQueries.row(jdbc.url(), connection, "SELECT MIN(" + column + ") AS lo, MAX("
                    + column + ") AS hi FROM " + quotedTable, "cannot read the bounds of " + jdbc.splitBy()
                    + " of table " + table);
            if (minMax[0] != null) {
                String[] range = bounds(table, jdbc.splitBy(), minMax[0], minMax[1]);
                read.put("partitionColumn", jdbc.splitBy());
                read.put("lowerBound", range[0]);
                read.put("upperBound", range[1]);
                read.put("numPartitions", String.valueOf(jdbc.numPartitions()));
                partitioning = jdbc.numPartitions() + " partitions on " + jdbc.splitBy() + " in [" + range[0] + ", "
                        + range[1] + "]";
            } else {
                partitioning = "1 partition (" + jdbc.splitBy() + " has no values)";
            }
        }
        System.err.println("IngestJob: reading table " + table + " over JDBC from " + jdbc.url() + " as "
                + jdbc.username() + ", " + partitioning + (where.isEmpty() ? "" : ", where " + String.join(" AND ",
                where)));
        Dataset<Row> data = spark.read().format("jdbc").options(read).load();
        if (!jdbc.sourceColumns().isEmpty()) {
            data = data.select(jdbc.sourceColumns().stream().map(IngestJob::column).toArray(Column[]::new));
        }
        return data;
    }

    /** Spark's JDBC reader options for the table; {@code password} is zeroed. */
    private static Map<String, String> jdbcOptions(JobArguments.Jdbc jdbc, char[] password,
                                                   JobArguments.Window window) {
        Map<String, String> options = new HashMap<>();
        options.put("url", jdbc.url());
        options.put("user", jdbc.username());
        options.put("password", new String(password));
        java.util.Arrays.fill(password, '\0');
        options.put("driver", MYSQL_DRIVER);
        // Connector/J streams rows as the server sends them with this fetch size (no server-side cursor, which would
        // copy the rows into a temporary table on the server first); without it, it buffers the whole result set.
        options.put("fetchsize", String.valueOf(Integer.MIN_VALUE));
        if (window != null && window.byTime() && !jdbc.url().matches(
                ".*[?&](connectionTimeZone|serverTimezone|forceConnectionTimeZoneToSession)=.*")) {
            // The session's time_zone +00:00: TIMESTAMP columns compare with the window's UTC literals in UTC.
            options.put("connectionTimeZone", "UTC");
            options.put("forceConnectionTimeZoneToSession", "true");
        }
        return options;
    }

    /** The driver's own connection for the one-row queries ({@link SourceQueries}), with the reader's properties. */
    private static Properties connectionProperties(Map<String, String> options) {
        Properties connection = new Properties();
        options.forEach((k, v) -> {
            if (!k.equals("url") && !k.equals("driver") && !k.equals("fetchsize")) {
                connection.setProperty(k, v);
            }
        });
        return connection;
    }

    /**
     * When the run's first table is read over JDBC with a password the driver already holds and queries the source
     * before its read (a split column's bounds, a key's maximum), opens that connection while Spark starts.
     */
    private static void connectAhead(RunArguments run) {
        JobArguments first = run.tables().get(0);
        first.jdbc().filter(j -> j.passwordStdin() != null
                        && (j.splitBy() != null || first.maxKeyColumn().isPresent()))
                .ifPresent(j -> SourceQueries.openAhead(j.url(), connectionProperties(jdbcOptions(j,
                        SourcePassword.of(null, j), first.window().orElse(null)))));
    }

    /** The source table's primary key: over JDBC from the database, on the staged path from the import step. */
    static List<String> primaryKey(SparkSession spark, JobArguments arguments) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        if (arguments.jdbc().isPresent()) {
            JobArguments.Jdbc jdbc = arguments.jdbc().get();
            return PrimaryKey.read(jdbc.url(), jdbc.username(), SourcePassword.of(conf, jdbc),
                    arguments.table());
        }
        String file = arguments.tableTarget().map(JobArguments.TableTarget::primaryKeyFile).orElseThrow(() ->
                new IllegalArgumentException("table " + arguments.table() + ": a merge on the staged path needs"
                        + " --merge-key or --primary-key-file"));
        return PrimaryKey.readFile(conf, file);
    }

    /** Lower and upper bound for Spark's JDBC partitioning, from the split column's MIN and MAX. */
    static String[] bounds(String table, String column, Object min, Object max) {
        if (min instanceof java.math.BigDecimal lo && max instanceof java.math.BigDecimal hi) {
            try {
                return new String[] {
                        String.valueOf(lo.setScale(0, java.math.RoundingMode.FLOOR).longValueExact()),
                        String.valueOf(hi.setScale(0, java.math.RoundingMode.CEILING).longValueExact())};
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("--split-by column " + column + " of table " + table
                        + " has values beyond the 64-bit range Spark partitions on: " + lo + " to " + hi);
            }
        }
        if ((min instanceof Long || min instanceof Integer || min instanceof Short || min instanceof Byte)
                && (max instanceof Number)) {
            return new String[] {String.valueOf(((Number) min).longValue()), String.valueOf(((Number) max).longValue())};
        }
        if (min instanceof java.sql.Date || min instanceof java.sql.Timestamp || min instanceof java.time.LocalDate
                || min instanceof java.time.LocalDateTime) {
            return new String[] {min.toString(), max.toString()};
        }
        throw new IllegalArgumentException("--split-by column " + column + " of table " + table + " is of type "
                + min.getClass().getSimpleName() + ": spark-jdbc partitions on integer, decimal, date or timestamp"
                + " columns (choose another splitBy, or leave it out for a single partition)");
    }

    private static String quoteIdentifier(String name) {
        return "`" + name.replace("`", "``") + "`";
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
        return data
                .withColumn(RUN_KEY_COLUMN, lit(arguments.runKey()).cast(DataTypes.StringType))
                .withColumn(INGESTED_AT_COLUMN, lit(at).cast(DataTypes.TimestampType))
                .withColumn(INGEST_DATE_COLUMN, lit(ingestDate(arguments, ingestedAt)).cast(DataTypes.DateType))
                .withColumn(RUN_ID_COLUMN, lit(arguments.runId()).cast(DataTypes.StringType));
    }

    static LocalDate ingestDate(JobArguments arguments, Instant ingestedAt) {
        return arguments.ingestDate().orElse(LocalDate.ofInstant(ingestedAt, ZoneOffset.UTC));
    }

    /** DATE/TIMESTAMP fields that Sqoop staged as epoch milliseconds, by field name, with their JDBC type. */
    static Map<String, Integer> stagedSqlTypes(SparkSession spark, JobArguments arguments) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        try {
            Path input = new Path(arguments.input());
            FileSystem fs = input.getFileSystem(conf);
            Schema schema = null;
            if (arguments.inputFormat().equals("avro")) {
                for (FileStatus file : fs.listStatus(input)) {
                    if (file.isFile() && file.getPath().getName().endsWith(".avro")) {
                        try (InputStream in = fs.open(file.getPath());
                             DataFileStream<GenericRecord> avro = new DataFileStream<>(in, new GenericDatumReader<>())) {
                            schema = avro.getSchema();
                        }
                        break;
                    }
                }
            } else {
                // Sqoop's Parquet goes through Kite, which keeps the Avro schema beside the data.
                Path kite = new Path(input, ".metadata/schema.avsc");
                if (fs.exists(kite)) {
                    try (InputStream in = fs.open(kite)) {
                        schema = new Schema.Parser().parse(in);
                    }
                }
            }
            Map<String, Integer> types = new HashMap<>();
            if (schema != null && schema.getType() == Schema.Type.RECORD) {
                for (Schema.Field field : schema.getFields()) {
                    Object sqlType = field.getObjectProp("sqlType");
                    if (sqlType != null && isLong(field.schema())) {
                        types.put(field.name(), Integer.parseInt(sqlType.toString()));
                    }
                }
            }
            return types;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the staged schema under " + arguments.input(), e);
        }
    }

    private static boolean isLong(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            return schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.LONG);
        }
        return schema.getType() == Schema.Type.LONG;
    }

    /** Epoch-millisecond DATE/TIMESTAMP columns back to Spark's date and timestamp (UTC, as Sqoop wrote them). */
    static Dataset<Row> restoreTypes(Dataset<Row> staged, Map<String, Integer> sqlTypes) {
        Dataset<Row> data = staged;
        for (String name : staged.columns()) {
            Integer type = sqlTypes.get(name);
            if (type == null || !(staged.schema().apply(name).dataType().equals(DataTypes.LongType))) {
                continue;
            }
            String quoted = "`" + name.replace("`", "``") + "`";
            if (type == SQL_TIMESTAMP || type == SQL_TIMESTAMP_WITH_TIMEZONE) {
                data = data.withColumn(name, expr("timestamp_millis(" + quoted + ")"));
            } else if (type == SQL_DATE) {
                data = data.withColumn(name,
                        expr("date_from_unix_date(CAST(floor(" + quoted + " / 86400000) AS INT))"));
            }
        }
        return data;
    }

    /** A column reference that treats dots and other characters in the name literally. */
    private static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

}
