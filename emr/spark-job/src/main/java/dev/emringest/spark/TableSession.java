package dev.emringest.spark;

import org.apache.spark.sql.SparkSession;

/**
 * A table's own session in the run's application: its own temporary views (each table's transform reads a view named
 * {@code source}) and its own FAIR pool, with the run session's SQL settings. Apart from {@link IngestJob} because
 * the settings are a Scala map: {@link PrimaryKey} loads {@code IngestJob} on a node's Hadoop class path, without
 * Scala.
 */
final class TableSession {

    private TableSession() {}

    /**
     * The table's session; a run of one table has no other table to keep apart from, and uses the run's session (a
     * new session builds its whole session state again).
     */
    static SparkSession of(SparkSession run, String table, boolean onlyTable) {
        SparkSession session = onlyTable ? run : run.newSession();
        if (!onlyTable) {
            // A new session starts from the SparkConf: the run session's SQL settings (a time zone, say) go along.
            scala.collection.JavaConverters.mapAsJavaMap(run.conf().getAll()).forEach((key, value) -> {
                if (session.conf().isModifiable(key)) {
                    session.conf().set(key, value);
                }
            });
        }
        session.sparkContext().setLocalProperty("spark.scheduler.pool", "table-" + table);
        return session;
    }
}
