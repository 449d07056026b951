package dev.emringest.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;

import dev.emringest.spark.JobArguments.TableTarget;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.iceberg.spark.CommitMetadata;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * A run's rows into an Iceberg table (format v2) in the Spark catalog the cluster configures (the Glue Data Catalog),
 * in one commit per run:
 * <ol>
 * <li>the table is created with the rows' schema when it does not exist (and its database);</li>
 * <li>a run that already committed (a snapshot whose summary carries its run id) changes nothing;</li>
 * <li>new columns are added and allowed widenings applied ({@link SchemaEvolution}); anything else fails here;</li>
 * <li>{@code append}: the rows are appended; {@code merge}: de-duplicated by key (the highest order column wins)
 * and merged: matched rows updated, others inserted.</li>
 * </ol>
 * The commit's summary holds {@code emr-ingest.run-id}, {@code emr-ingest.run-key} and {@code emr-ingest.rows}, from
 * which its counts are worked out again on a retry.
 */
final class IcebergTarget {

    static final String RUN_ID_PROPERTY = "emr-ingest.run-id";
    static final String RUN_KEY_PROPERTY = "emr-ingest.run-key";
    static final String ROWS_PROPERTY = "emr-ingest.rows";

    /**
     * The run's commit.
     *
     * @param committedNow false when an earlier attempt of the run committed and this one changed nothing
     */
    record Commit(String table, long snapshotId, long addedRows, long updatedRows, long deletedRows,
                  boolean committedNow) {

        String json() {
            // The table as the run record names it: database.table, without the Spark catalog.
            return "{\"table\":\"" + table.substring(table.indexOf('.') + 1) + "\",\"snapshotId\":" + snapshotId
                    + ",\"addedRows\":" + addedRows + ",\"updatedRows\":" + updatedRows + ",\"deletedRows\":"
                    + deletedRows + ",\"committedNow\":" + committedNow + "}";
        }
    }

    /** What the run did to the table: its commit (empty when it had no rows) and how many rows it brought. */
    record Outcome(Optional<Commit> commit, long rows) {}

    private IcebergTarget() {}

    /**
     * @param rows       the run's rows, with the columns the table gets
     * @param primaryKey the source's primary key, asked for only by a merge without a named key
     */
    static Outcome write(SparkSession spark, Dataset<Row> rows, String runId, String runKey, TableTarget target,
                         Supplier<List<String>> primaryKey) {
        String table = target.name();
        boolean merge = target.mode() == TableTarget.Mode.MERGE;
        // The key first: a table without one fails before anything is created.
        List<String> key = merge ? resolve(table, rows, target.mergeKey().isEmpty() ? primaryKey.get()
                : target.mergeKey(), "merge key column") : List.of();
        String order = merge && target.orderColumn() != null
                ? resolve(table, rows, List.of(target.orderColumn()), "order column").get(0) : null;
        String namespace = table.substring(0, table.lastIndexOf('.'));
        spark.sql("CREATE NAMESPACE IF NOT EXISTS " + namespace);
        // Every column optional: a later run's rows (another importer, a changed source) may hold NULLs anywhere.
        StructType optional = new StructType(Arrays.stream(rows.schema().fields())
                .map(f -> new StructField(f.name(), SchemaEvolution.asIceberg(f.dataType()), true, Metadata.empty()))
                .toArray(StructField[]::new));
        spark.sql("CREATE TABLE IF NOT EXISTS " + table + " (" + optional.toDDL() + ") USING iceberg"
                + " TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'copy-on-write')");
        Optional<Commit> earlier = committed(spark, table, runId, false);
        if (earlier.isPresent()) {
            log("run " + runKey + " already committed to " + table + " in snapshot " + earlier.get().snapshotId()
                    + ": nothing to do");
            return new Outcome(earlier, earlier.get().addedRows() + earlier.get().updatedRows());
        }
        // Read once (a JDBC source is not read again): the checks, the count and the commit use these rows.
        Dataset<Row> read = rows.persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> data = read;
        try {
            if (merge) {
                requireUniqueKeys(table, read, key, order);
                data = newestByKey(table, read, key, order).persist(StorageLevel.MEMORY_AND_DISK());
            }
            long count = data.count();
            evolve(spark, table, data);
            if (count == 0) {
                log("run " + runKey + " read no rows: nothing committed to " + table);
                return new Outcome(Optional.empty(), 0);
            }
            Map<String, String> properties = Map.of(RUN_ID_PROPERTY, runId, RUN_KEY_PROPERTY, runKey,
                    ROWS_PROPERTY, Long.toString(count));
            Dataset<Row> commitRows = data;
            List<String> mergeKey = key;
            CommitMetadata.withCommitProperties(properties, () -> {
                if (merge) {
                    merge(spark, table, commitRows, mergeKey);
                } else {
                    commitRows.writeTo(table).append();
                }
                return null;
            }, RuntimeException.class);
            Commit commit = committed(spark, table, runId, true).orElseThrow(() -> new IllegalStateException(
                    "the commit of run " + runKey + " to " + table + " is not among its snapshots"));
            log("run " + runKey + " committed " + count + " rows to " + table + " in snapshot " + commit.snapshotId()
                    + ": " + commit.addedRows() + " added, " + commit.updatedRows() + " updated");
            return new Outcome(Optional.of(commit), count);
        } finally {
            data.unpersist();
            read.unpersist();
        }
    }

    /** The named columns as the rows spell them (Spark matches names ignoring case), or an error naming the one missing. */
    static List<String> resolve(String table, Dataset<Row> rows, List<String> names, String what) {
        List<String> columns = Arrays.asList(rows.columns());
        return names.stream().map(name -> columns.stream().filter(c -> c.equalsIgnoreCase(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(what + " " + name + " of table " + table
                        + " is not among the run's columns " + columns))).toList();
    }

    /** Per key the row with the highest order column (any one of them without an order column). */
    static Dataset<Row> newestByKey(String table, Dataset<Row> rows, List<String> key, String orderColumn) {
        List<String> keyColumns = resolve(table, rows, key, "merge key column");
        if (orderColumn == null) {
            return rows;
        }
        String order = resolve(table, rows, List.of(orderColumn), "order column").get(0);
        String rank = "_emr_ingest_rank";
        return rows.withColumn(rank, row_number().over(Window.partitionBy(columns(keyColumns))
                        .orderBy(quoted(order).desc_nulls_last())))
                .where(col(rank).equalTo(1)).drop(rank);
    }

    /** A key seen twice without an order column to choose by, or a NULL key, fails the run: nothing is dropped. */
    private static void requireUniqueKeys(String table, Dataset<Row> data, List<String> key, String orderColumn) {
        Column anyNull = key.stream().map(k -> quoted(k).isNull()).reduce(Column::or).orElseThrow();
        long nulls = data.where(anyNull).count();
        if (nulls > 0) {
            throw new IllegalArgumentException(nulls + " rows of the run have a NULL in merge key " + key
                    + " of table " + table + ": a merge needs every key column set");
        }
        if (orderColumn == null) {
            long repeated = data.groupBy(columns(key)).count().where("count > 1").count();
            if (repeated > 0) {
                throw new IllegalArgumentException(repeated + " keys appear more than once among the run's rows"
                        + " for merge key " + key + " of table " + table + ", and the table has no incremental"
                        + " column to pick the newest by");
            }
        }
    }

    /** Adds the rows' new columns and widens columns, after checking every change is allowed. */
    private static void evolve(SparkSession spark, String table, Dataset<Row> data) {
        List<SchemaEvolution.Change> changes = SchemaEvolution.changes(table, spark.table(table).schema(),
                data.schema());
        for (SchemaEvolution.Change change : changes) {
            String column = "`" + change.column().replace("`", "``") + "`";
            if (change.added()) {
                spark.sql("ALTER TABLE " + table + " ADD COLUMNS (" + column + " " + change.to().sql() + ")");
                log("added column " + change.column() + " " + change.to().sql() + " to " + table);
            } else {
                spark.sql("ALTER TABLE " + table + " ALTER COLUMN " + column + " TYPE " + change.to().sql());
                log("widened column " + change.column() + " of " + table + " from " + change.from().sql() + " to "
                        + change.to().sql());
            }
        }
    }

    private static void merge(SparkSession spark, String table, Dataset<Row> data, List<String> key) {
        String view = "emr_ingest_run_rows";
        data.createOrReplaceTempView(view);
        String on = key.stream().map(k -> "t." + ident(k) + " = s." + ident(k)).collect(Collectors.joining(" AND "));
        List<String> columns = Arrays.stream(data.columns()).map(IcebergTarget::ident).toList();
        String set = columns.stream().map(c -> "t." + c + " = s." + c).collect(Collectors.joining(", "));
        String values = columns.stream().map(c -> "s." + c).collect(Collectors.joining(", "));
        spark.sql("MERGE INTO " + table + " t USING " + view + " s ON " + on
                + " WHEN MATCHED THEN UPDATE SET " + set
                + " WHEN NOT MATCHED THEN INSERT (" + String.join(", ", columns) + ") VALUES (" + values + ")");
    }

    /**
     * The run's snapshot, if any, with its counts from its own summary: an append's added records; a merge's
     * inserted rows (copy-on-write: the records its new files add over those its removed files held, as a merge deletes
     * nothing) and updated rows (the run's rows less those inserted).
     */
    static Optional<Commit> committed(SparkSession spark, String table, String runId, boolean now) {
        Row mine = null;
        for (Row s : spark.sql("SELECT snapshot_id, operation, summary FROM " + table + ".snapshots ORDER BY"
                + " committed_at").collectAsList()) {
            if (runId.equals(s.<String, String>getJavaMap(2).get(RUN_ID_PROPERTY))) {
                mine = s;
            }
        }
        if (mine == null) {
            return Optional.empty();
        }
        Map<String, String> summary = mine.getJavaMap(2);
        long added = number(summary, "added-records");
        if ("append".equals(mine.getString(1))) {
            return Optional.of(new Commit(table, mine.getLong(0), added, 0, 0, now));
        }
        long inserted = Math.max(0, added - number(summary, "deleted-records"));
        return Optional.of(new Commit(table, mine.getLong(0), inserted,
                Math.max(0, number(summary, ROWS_PROPERTY) - inserted), 0, now));
    }

    private static long number(Map<String, String> summary, String name) {
        String value = summary.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static Column[] columns(List<String> names) {
        return names.stream().map(IcebergTarget::quoted).toArray(Column[]::new);
    }

    private static Column quoted(String name) {
        return col(ident(name));
    }

    private static String ident(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private static void log(String message) {
        System.err.println("IngestJob: " + message);
    }
}
