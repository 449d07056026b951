package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A run's command line: shared options, then a group per table from its {@code --table}. */
class RunArgumentsTest {

    private static final List<String> SHARED = List.of("--jdbc-url", "jdbc:mysql://db:3306/shop", "--username",
            "ingest", "--password-alias", "a", "--run-key", "2026-11-25T02:00:00Z", "--run-id", "r1");

    private static String[] args(List<String> shared, String... rest) {
        List<String> all = new java.util.ArrayList<>(shared);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    private static String failure(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> RunArguments.parse(args)).getMessage();
    }

    @Test
    void eachTableHasTheSharedOptionsAndItsOwn() {
        RunArguments run = RunArguments.parse(args(SHARED, "--parallel-tables", "3", "--max-connections", "6",
                "--table", "orders", "--output", "s3://l/orders", "--split-by", "id", "--num-partitions", "4",
                "--table", "customers", "--output", "s3://l/customers", "--sql", "-- note\nSELECT * FROM source"));
        assertEquals(List.of("orders", "customers"), run.tables().stream().map(JobArguments::table).toList());
        assertEquals(3, run.parallelTables());
        assertEquals(6, run.maxConnections());
        JobArguments orders = run.tables().get(0);
        assertEquals("s3://l/orders", orders.output());
        assertEquals(4, orders.jdbc().orElseThrow().numPartitions());
        JobArguments customers = run.tables().get(1);
        assertEquals("jdbc:mysql://db:3306/shop", customers.jdbc().orElseThrow().url());
        assertEquals(1, customers.jdbc().orElseThrow().numPartitions(), "not the orders' partitions");
        assertEquals("-- note\nSELECT * FROM source", customers.sql().orElseThrow());
        assertEquals("2026-11-25T02:00:00Z", customers.runKey());
    }

    @Test
    void aOneTableCommandLineIsARunOfThatTable() {
        RunArguments run = RunArguments.parse("--input", "hdfs:///s/o", "--input-format", "avro", "--table", "o",
                "--output", "s3://l/o", "--run-key", "k");
        assertEquals(1, run.tables().size());
        assertEquals(1, run.parallelTables());
        assertEquals(RunArguments.DEFAULT_MAX_CONNECTIONS, run.maxConnections());
    }

    @Test
    void badRunsAreRejectedNamingTheOptionAndTheTable() {
        assertEquals("missing required option --table", failure(args(SHARED, "--output", "s3://l/o")));
        // A value that reads "--table" starts no group: the table's own rules reject it as a value.
        assertEquals("table o: option --sql requires a value", failure(args(SHARED, "--table", "o", "--output",
                "s3://l/o", "--sql", "--table", "p", "--output", "s3://l/p")));
        for (String table : List.of("orders;drop", "shop.orders", "1orders", "`orders`")) {
            assertEquals("table " + table + ": option --table must be a table name ([A-Za-z_][A-Za-z0-9_]{0,63}), got '"
                    + table + "'", failure(args(SHARED, "--table", table, "--output", "s3://l/o")));
        }
        assertEquals("option --table names table o twice", failure(args(SHARED, "--table", "o", "--output",
                "s3://l/o", "--table", "o", "--output", "s3://l/p")));
        assertEquals("table p: missing required option --output", failure(args(SHARED, "--table", "o",
                "--output", "s3://l/o", "--table", "p")));
        assertEquals("table o: option --output given more than once", failure(args(SHARED, "--output", "s3://x",
                "--table", "o", "--output", "s3://l/o")));
        assertEquals("option --run-key and --run-id must be the run's, the same for every table (give them before"
                + " the first --table)", failure(args(SHARED.subList(0, 6), "--table", "o", "--output", "s3://l/o",
                "--run-key", "a", "--table", "p", "--output", "s3://l/p", "--run-key", "b")));
        for (String n : List.of("0", "257", "x", "-1")) {
            assertEquals("option --max-connections must be an integer 1-256, got '" + n + "'",
                    failure(args(SHARED, "--max-connections", n, "--table", "o", "--output", "s3://l/o")));
        }
        assertEquals("option --parallel-tables given more than once", failure(args(SHARED, "--parallel-tables",
                "2", "--parallel-tables", "2", "--table", "o", "--output", "s3://l/o")));
        assertEquals("option --parallel-tables must be an integer 1-256, got nothing",
                failure(args(SHARED, "--table", "o", "--output", "s3://l/o", "--parallel-tables")));
    }
}
