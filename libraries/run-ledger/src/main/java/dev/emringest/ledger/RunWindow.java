package dev.emringest.ledger;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The slice of an incremental job's tables that one run imports, fixed and recorded in the claim before its cluster
 * starts. A retry of the run imports the same window.
 *
 * @param backfill an explicit window from the request: it never moves the watermark
 * @param tables   the window of each incremental table, by table name
 */
public record RunWindow(boolean backfill, Map<String, TableWindow> tables) {

    public RunWindow {
        tables = tables == null ? Map.of() : Map.copyOf(new TreeMap<>(tables));
    }

    /**
     * One table's window. {@code lastmodified}: rows with {@code from <= column < to} ({@code from} null on the first
     * run: everything before {@code to}). {@code append}: rows with {@code above < column} ({@code above} null on
     * the first run) and, for a backfill, {@code column <= upTo}.
     *
     * @param manifest the S3 URI of the {@code _manifest.json} the Spark job writes for this table in this run,
     *                 where an {@code append} run reports the highest key it read
     */
    public record TableWindow(String mode, String column, Instant from, Instant to, Long above, Long upTo,
                              String manifest) {}
}
