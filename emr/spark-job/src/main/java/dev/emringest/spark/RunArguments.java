package dev.emringest.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A run's command line: the options every table shares, then one group per table, each starting at its
 * {@code --table}; each table's arguments are the shared ones plus its group, parsed by {@link JobArguments}.
 *
 * <pre>
 * [--parallel-tables N] [--max-connections N] SHARED... --table NAME TABLE... [--table NAME TABLE...]...
 * </pre>
 *
 * A one-table command line ({@code --table} anywhere among the others) is a run of that one table.
 *
 * @param parallelTables how many tables the run works on at once (each its own Spark jobs, in its own FAIR pool)
 * @param maxConnections the most database connections the run holds at once: a table read over JDBC holds one per
 *                       partition while it is read and written
 */
public record RunArguments(List<JobArguments> tables, int parallelTables, int maxConnections) {

    public static final String USAGE = "usage: IngestJob [--parallel-tables N] [--max-connections N]"
            + " SHARED_OPTIONS --table NAME TABLE_OPTIONS [--table NAME TABLE_OPTIONS]...\n"
            + "  where SHARED_OPTIONS and TABLE_OPTIONS together are, for each table: " + JobArguments.USAGE;

    static final int DEFAULT_MAX_CONNECTIONS = 8;
    private static final int MAX = 256;

    public RunArguments {
        tables = List.copyOf(tables);
    }

    /**
     * @throws IllegalArgumentException naming the option at fault (for a table's own options, also the table)
     */
    public static RunArguments parse(String... args) {
        Objects.requireNonNull(args, "args");
        List<String> shared = new ArrayList<>();
        List<List<String>> groups = new ArrayList<>();
        Integer parallel = null;
        Integer connections = null;
        // Names sit at even positions, so a value that reads "--table" (free-text SQL) never starts a group.
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (name.equals("--parallel-tables") || name.equals("--max-connections")) {
                int n = count(name, value);
                if ((name.equals("--parallel-tables") ? parallel : connections) != null) {
                    throw new IllegalArgumentException("option " + name + " given more than once");
                }
                if (name.equals("--parallel-tables")) {
                    parallel = n;
                } else {
                    connections = n;
                }
                continue;
            }
            if (name.equals("--table")) {
                groups.add(new ArrayList<>());
            }
            List<String> into = groups.isEmpty() ? shared : groups.get(groups.size() - 1);
            into.addAll(Arrays.asList(args).subList(i, Math.min(i + 2, args.length)));
        }
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("missing required option --table");
        }
        List<JobArguments> tables = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (List<String> group : groups) {
            List<String> all = new ArrayList<>(shared);
            all.addAll(group);
            JobArguments table;
            try {
                table = JobArguments.parse(all.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("table " + (group.size() > 1 ? group.get(1) : "?") + ": "
                        + e.getMessage(), e);
            }
            if (!names.add(table.table())) {
                throw new IllegalArgumentException("option --table names table " + table.table() + " twice");
            }
            tables.add(table);
        }
        Set<String> runKeys = new HashSet<>();
        tables.forEach(t -> runKeys.add(t.runKey() + " " + t.runId()));
        if (runKeys.size() > 1) {
            throw new IllegalArgumentException("option --run-key and --run-id must be the run's, the same for every"
                    + " table (give them before the first --table)");
        }
        return new RunArguments(tables, parallel == null ? Math.min(tables.size(), 2) : parallel,
                connections == null ? DEFAULT_MAX_CONNECTIONS : connections);
    }

    private static int count(String name, String value) {
        if (value == null || !value.matches("[1-9][0-9]{0,2}") || Integer.parseInt(value) > MAX) {
            throw new IllegalArgumentException("option " + name + " must be an integer 1-" + MAX + ", got "
                    + (value == null ? "nothing" : "'" + value + "'"));
        }
        return Integer.parseInt(value);
    }

    /** The run's key, shared by its tables. */
    public String runKey() {
        return tables.get(0).runKey();
    }
}
