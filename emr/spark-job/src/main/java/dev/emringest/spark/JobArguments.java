package dev.emringest.spark;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The Spark step's command line, parsed and validated without Spark.
 *
 * <pre>
 * (--input DIR --input-format parquet|avro
 *  | --jdbc-url URL --username USER --password-alias ALIAS [--split-by COL --num-partitions N] [--source-columns a,b])
 * --output S3_OR_FILE_URI --run-key KEY --table NAME
 * [--run-id ID] [--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql "SELECT ... FROM source"]
 * </pre>
 *
 * The first form reads a Sqoop step's staged files; the second ({@code importer: spark-jdbc}) reads the table itself
 * over JDBC, with the password taken from the Hadoop credential store by alias. Each option and each value is its own
 * argument. Every error is an {@link IllegalArgumentException} whose message names the option at fault.
 */
public final class JobArguments {

    public static final String USAGE = "usage: IngestJob (--input DIR --input-format parquet|avro"
            + " | --jdbc-url URL --username USER --password-alias ALIAS [--split-by COL --num-partitions N]"
            + " [--source-columns a,b,c]) --output URI --run-key KEY --table NAME [--run-id ID]"
            + " [--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql \"SELECT ... FROM source\"]";

    /** Name of the temporary view the operator's SQL reads from. */
    public static final String SOURCE_VIEW = "source";

    private static final List<String> REQUIRED = List.of("--output", "--run-key", "--table");
    private static final List<String> STAGED = List.of("--input", "--input-format");
    private static final List<String> JDBC_REQUIRED = List.of("--jdbc-url", "--username", "--password-alias");
    private static final List<String> JDBC_OPTIONAL = List.of("--split-by", "--num-partitions", "--source-columns");
    private static final Set<String> OPTIONAL = Set.of("--columns", "--sql", "--run-id", "--ingest-date");
    private static final Set<String> FORMATS = Set.of("parquet", "avro");
    private static final int MAX_PARTITIONS = 9999;

    /**
     * Where a {@code spark-jdbc} step reads: the table over JDBC. No password here, only the alias under which the
     * step script stored it in the Hadoop credential store named by {@code hadoop.security.credential.provider.path}.
     *
     * @param splitBy       partition column, or null for a single partition
     * @param numPartitions parallel JDBC reads (1 without {@code splitBy})
     * @param sourceColumns columns read from the table, in order; empty means all
     */
    public record Jdbc(String url, String username, String passwordAlias, String splitBy, int numPartitions,
                       List<String> sourceColumns) {
        public Jdbc {
            sourceColumns = List.copyOf(sourceColumns);
        }
    }

    private final String input;
    private final String inputFormat;
    private final Jdbc jdbc;
    private final String output;
    private final String runKey;
    private final String table;
    private final List<String> columns;
    private final String sql;
    private final String runId;
    private final LocalDate ingestDate;

    private JobArguments(String input, String inputFormat, Jdbc jdbc, String output, String runKey, String table,
                         List<String> columns, String sql, String runId, LocalDate ingestDate) {
        this.input = input;
        this.inputFormat = inputFormat;
        this.jdbc = jdbc;
        this.output = output;
        this.runKey = runKey;
        this.table = table;
        this.columns = List.copyOf(columns);
        this.sql = sql;
        this.runId = runId;
        this.ingestDate = ingestDate;
    }

    /**
     * Parses and validates the arguments.
     *
     * @throws IllegalArgumentException naming the option for an unknown, repeated, value-less, missing or invalid
     *                                  option
     */
    public static JobArguments parse(String... args) {
        Objects.requireNonNull(args, "args");
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i];
            if (!isOption(name)) {
                throw new IllegalArgumentException("unknown option '" + name + "'");
            }
            if (i + 1 >= args.length || isOption(args[i + 1])) {
                throw new IllegalArgumentException("option " + name + " requires a value");
            }
            if (values.containsKey(name)) {
                throw new IllegalArgumentException("option " + name + " given more than once");
            }
            String value = args[i + 1];
            if (value.isBlank()) {
                throw new IllegalArgumentException("option " + name + " must not be blank");
            }
            values.put(name, value);
        }
        for (String name : REQUIRED) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("missing required option " + name);
            }
        }
        String format = null;
        Jdbc jdbc = null;
        if (values.containsKey("--jdbc-url")) {
            jdbc = jdbc(values);
        } else {
            for (String name : JDBC_REQUIRED.subList(1, JDBC_REQUIRED.size())) {
                requireAbsent(values, name, "needs --jdbc-url");
            }
            for (String name : JDBC_OPTIONAL) {
                requireAbsent(values, name, "needs --jdbc-url");
            }
            if (!values.containsKey("--input")) {
                throw new IllegalArgumentException("missing required option --input (or --jdbc-url to read the table"
                        + " over JDBC)");
            }
            if (!values.containsKey("--input-format")) {
                throw new IllegalArgumentException("missing required option --input-format");
            }
            format = values.get("--input-format");
            if (!FORMATS.contains(format)) {
                throw new IllegalArgumentException("option --input-format must be parquet or avro, got '" + format
                        + "'");
            }
        }
        List<String> columns = values.containsKey("--columns")
                ? parseColumns("--columns", values.get("--columns")) : List.of();
        String runId = values.get("--run-id");
        if (runId == null) {
            runId = values.get("--run-key").replaceAll("[^A-Za-z0-9_]", "_");
        } else if (!runId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("option --run-id may contain only letters, digits and '_', got '"
                    + runId + "'");
        }
        LocalDate ingestDate = null;
        if (values.containsKey("--ingest-date")) {
            try {
                ingestDate = LocalDate.parse(values.get("--ingest-date"));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("option --ingest-date must be a date YYYY-MM-DD, got '"
                        + values.get("--ingest-date") + "'");
            }
        }
        return new JobArguments(values.get("--input"), format, jdbc, values.get("--output"),
                values.get("--run-key"), values.get("--table"), columns, values.get("--sql"), runId, ingestDate);
    }

    private static Jdbc jdbc(Map<String, String> values) {
        for (String name : STAGED) {
            requireAbsent(values, name, "cannot be combined with --jdbc-url");
        }
        for (String name : JDBC_REQUIRED) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("missing required option " + name + " (reading over JDBC)");
            }
        }
        String url = values.get("--jdbc-url");
        if (!url.startsWith("jdbc:") || url.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("option --jdbc-url must be a JDBC URL (jdbc:...), got '" + url + "'");
        }
        String splitBy = values.get("--split-by");
        int partitions = 1;
        if (values.containsKey("--num-partitions")) {
            if (splitBy == null) {
                throw new IllegalArgumentException("option --num-partitions needs --split-by (the partition column)");
            }
            String n = values.get("--num-partitions");
            try {
                partitions = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                partitions = -1;
            }
            if (partitions < 1 || partitions > MAX_PARTITIONS) {
                throw new IllegalArgumentException("option --num-partitions must be an integer 1-" + MAX_PARTITIONS
                        + ", got '" + n + "'");
            }
        }
        if (splitBy != null && (splitBy.contains(",") || splitBy.chars().anyMatch(Character::isWhitespace))) {
            throw new IllegalArgumentException("option --split-by must be one column name, got '" + splitBy + "'");
        }
        List<String> sourceColumns = values.containsKey("--source-columns")
                ? parseColumns("--source-columns", values.get("--source-columns")) : List.of();
        return new Jdbc(url, values.get("--username"), values.get("--password-alias"), splitBy, partitions,
                sourceColumns);
    }

    private static void requireAbsent(Map<String, String> values, String name, String why) {
        if (values.containsKey(name)) {
            throw new IllegalArgumentException("option " + name + " " + why);
        }
    }

    private static boolean isOption(String arg) {
        return REQUIRED.contains(arg) || OPTIONAL.contains(arg) || STAGED.contains(arg)
                || JDBC_REQUIRED.contains(arg) || JDBC_OPTIONAL.contains(arg);
    }

    private static List<String> parseColumns(String option, String value) {
        List<String> columns = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String column = part.trim();
            if (column.isEmpty()) {
                throw new IllegalArgumentException("option " + option + " has an empty column name in '" + value + "'");
            }
            if (columns.contains(column)) {
                throw new IllegalArgumentException("option " + option + " names column '" + column + "' twice");
            }
            columns.add(column);
        }
        return columns;
    }

    /**
     * Staged data written by the import step (for example {@code hdfs:///emr-ingest/staging/cd6420d7f6ee/orders});
     * null when reading over JDBC.
     */
    public String input() {
        return input;
    }

    /** Where to read the table over JDBC, instead of staged files; empty for the staged (Sqoop) path. */
    public Optional<Jdbc> jdbc() {
        return Optional.ofNullable(jdbc);
    }

    /** {@code parquet} or {@code avro}: a Spark data source name; null when reading over JDBC. */
    public String inputFormat() {
        return inputFormat;
    }

    /** Where the table's Parquet dataset lives; partitions {@code ingest_date=YYYY-MM-DD} go below it. */
    public String output() {
        return output;
    }

    public String runKey() {
        return runKey;
    }

    /**
     * The run's partition value ({@code _run_id}): the launcher's short run hash; by default the run key with every
     * character other than letters, digits and '_' replaced by '_'.
     */
    public String runId() {
        return runId;
    }

    /** The run's {@code ingest_date}, fixed by the launcher (the run's claim date); empty means the run's clock. */
    public Optional<LocalDate> ingestDate() {
        return Optional.ofNullable(ingestDate);
    }

    public String table() {
        return table;
    }

    /** Columns to keep, in order; empty means all. */
    public List<String> columns() {
        return columns;
    }

    /** Operator-owned SQL over the view {@value #SOURCE_VIEW}, if any. */
    public Optional<String> sql() {
        return Optional.ofNullable(sql);
    }

    @Override
    public String toString() {
        return "JobArguments{input=" + input + ", inputFormat=" + inputFormat
                + (jdbc == null ? "" : ", jdbcUrl=" + jdbc.url() + ", username=" + jdbc.username() + ", passwordAlias="
                        + jdbc.passwordAlias() + ", splitBy=" + jdbc.splitBy() + ", numPartitions="
                        + jdbc.numPartitions() + ", sourceColumns=" + jdbc.sourceColumns())
                + ", output=" + output
                + ", runKey=" + runKey + ", runId=" + runId + ", ingestDate=" + ingestDate + ", table=" + table + ", columns=" + columns
                + ", sql=" + (sql == null ? "none" : "given") + "}";
    }
}
