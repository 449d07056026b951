package dev.emringest.spark;

import java.time.Instant;
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
 * [--where-column COL ([--lower-bound INSTANT] --upper-bound INSTANT | [--above-key N [--up-to-key M]])]  (JDBC only)
 * [--max-key-column COL]
 * [--target-table CATALOG.DATABASE.TABLE --mode append|merge [--merge-key a,b | --primary-key-file URI]
 *  [--order-column COL]]
 * </pre>
 *
 * With {@code --target-table} the run's rows go to that Iceberg table (see {@link IcebergTarget}) and
 * {@code --output} only holds the run's manifest. A merge key is {@code --merge-key}, else the source's primary key:
 * read from the database over JDBC, or (staged path) from {@code --primary-key-file}, which the import step wrote.
 *
 * The window options (an incremental table's run window, JDBC reads only) are typed here: instants (ISO-8601, UTC,
 * at most microsecond precision) and 64-bit integers; the column is an identifier. {@code --max-key-column} makes the
 * job report the highest value of that column among the rows it read as {@code maxKey} in {@code _manifest.json}.
 *
 * The first form reads a Sqoop step's staged files; the second ({@code importer: spark-jdbc}) reads the table itself
 * over JDBC, with the password taken from the Hadoop credential store by alias. Each option and each value is its own
 * argument. Every error is an {@link IllegalArgumentException} whose message names the option at fault.
 */
public final class JobArguments {

    public static final String USAGE = "usage: IngestJob (--input DIR --input-format parquet|avro"
            + " | --jdbc-url URL --username USER (--password-alias ALIAS | --password-stdin text|json:KEY)"
            + " [--split-by COL --num-partitions N]"
            + " [--source-columns a,b,c]) --output URI --run-key KEY --table NAME [--run-id ID]"
            + " [--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql \"SELECT ... FROM source\"]"
            + " [--where-column COL ([--lower-bound INSTANT] --upper-bound INSTANT | [--above-key N [--up-to-key M]])]"
            + " [--max-key-column COL] [--target-table CATALOG.DATABASE.TABLE --mode append|merge"
            + " [--merge-key a,b | --primary-key-file URI] [--order-column COL]]";

    /** Name of the temporary view the operator's SQL reads from. */
    public static final String SOURCE_VIEW = "source";

    private static final List<String> REQUIRED = List.of("--output", "--run-key", "--table");
    private static final List<String> STAGED = List.of("--input", "--input-format");
    private static final List<String> JDBC_REQUIRED = List.of("--jdbc-url", "--username");
    /** Where the password is: exactly one of them. */
    private static final List<String> JDBC_PASSWORD = List.of("--password-alias", "--password-stdin");
    private static final java.util.regex.Pattern PASSWORD_INPUT = java.util.regex.Pattern.compile("text|json:\\S+");
    private static final List<String> JDBC_OPTIONAL = List.of("--split-by", "--num-partitions", "--source-columns");
    private static final Set<String> OPTIONAL = Set.of("--columns", "--sql", "--run-id", "--ingest-date",
            "--max-key-column");
    private static final List<String> TABLE_TARGET = List.of("--target-table", "--mode", "--merge-key",
            "--primary-key-file", "--order-column");
    private static final java.util.regex.Pattern TABLE_NAME = java.util.regex.Pattern.compile(
            "[a-z0-9_]{1,255}\\.[a-z0-9_]{1,255}\\.[a-z0-9_]{1,255}");
    private static final List<String> WINDOW = List.of("--where-column", "--lower-bound", "--upper-bound",
            "--above-key", "--up-to-key");
    private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile(
            "[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final java.util.regex.Pattern INSTANT = java.util.regex.Pattern.compile(
            "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z");
    private static final Set<String> FORMATS = Set.of("parquet", "avro");
    private static final int MAX_PARTITIONS = 9999;

    /**
     * Where a {@code spark-jdbc} step reads: the table over JDBC. No password here, only where it is: the alias under
     * which the step script stored it in the Hadoop credential store named by
     * {@code hadoop.security.credential.provider.path}, or on this process's standard input ({@link SourcePassword}).
     *
     * @param passwordAlias the credential store's alias, or null
     * @param passwordStdin {@code text} (the whole input is the password) or {@code json:KEY} (a Secrets Manager
     *                      secret holding it under KEY), or null
     * @param splitBy       partition column, or null for a single partition
     * @param numPartitions parallel JDBC reads (1 without {@code splitBy})
     * @param sourceColumns columns read from the table, in order; empty means all
     */
    public record Jdbc(String url, String username, String passwordAlias, String passwordStdin, String splitBy,
                       int numPartitions, List<String> sourceColumns) {
        public Jdbc {
            sourceColumns = List.copyOf(sourceColumns);
        }
    }

    /**
     * An incremental table's run window: by time {@code column >= lower AND column < upper} (lower null: no lower
     * bound), or by key {@code column > above AND column <= upTo} (either null: that side open).
     */
    public record Window(String column, Instant lower, Instant upper, Long above, Long upTo) {
        public boolean byTime() {
            return upper != null;
        }
    }

    /**
     * An Iceberg table as the run's target.
     *
     * @param name           {@code catalog.database.table}
     * @param mergeKey       the key columns given; empty: the source's primary key (merge only)
     * @param primaryKeyFile where the import step wrote the source's primary key (staged path), or null
     * @param orderColumn    among rows of one key the one with the highest value wins (merge only), or null
     */
    public record TableTarget(String name, Mode mode, List<String> mergeKey, String primaryKeyFile,
                              String orderColumn) {
        public TableTarget {
            mergeKey = List.copyOf(mergeKey);
        }

        public enum Mode { APPEND, MERGE }
    }

    private Window window;
    private String maxKeyColumn;
    private TableTarget tableTarget;
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
            for (String name : JDBC_PASSWORD) {
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
        if (!IDENTIFIER.matcher(values.get("--table")).matches()) {
            throw new IllegalArgumentException("option --table must be a table name ([A-Za-z_][A-Za-z0-9_]{0,63}), got '"
                    + values.get("--table") + "'");
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
        JobArguments parsed = new JobArguments(values.get("--input"), format, jdbc, values.get("--output"),
                values.get("--run-key"), values.get("--table"), columns, values.get("--sql"), runId, ingestDate);
        parsed.window = window(values);
        if (values.containsKey("--max-key-column")) {
            parsed.maxKeyColumn = identifier("--max-key-column", values.get("--max-key-column"));
        }
        parsed.tableTarget = tableTarget(values);
        return parsed;
    }

    private static TableTarget tableTarget(Map<String, String> values) {
        if (!values.containsKey("--target-table")) {
            for (String name : TABLE_TARGET) {
                requireAbsent(values, name, "needs --target-table");
            }
            return null;
        }
        String name = values.get("--target-table");
        if (!TABLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("option --target-table must be catalog.database.table (each part"
                    + " [a-z0-9_]), got '" + name + "'");
        }
        String mode = values.get("--mode");
        if (mode == null) {
            throw new IllegalArgumentException("missing required option --mode (with --target-table)");
        }
        if (!mode.equals("append") && !mode.equals("merge")) {
            throw new IllegalArgumentException("option --mode must be append or merge, got '" + mode + "'");
        }
        boolean merge = mode.equals("merge");
        for (String option : List.of("--merge-key", "--primary-key-file", "--order-column")) {
            if (!merge) {
                requireAbsent(values, option, "needs --mode merge");
            }
        }
        if (values.containsKey("--merge-key") && values.containsKey("--primary-key-file")) {
            throw new IllegalArgumentException("option --merge-key cannot be combined with --primary-key-file");
        }
        if (values.containsKey("--primary-key-file") && values.containsKey("--jdbc-url")) {
            throw new IllegalArgumentException("option --primary-key-file needs --input (over JDBC the job reads the"
                    + " primary key itself)");
        }
        List<String> key = values.containsKey("--merge-key") ? parseColumns("--merge-key", values.get("--merge-key"))
                : List.of();
        for (String column : key) {
            identifier("--merge-key", column);
        }
        String order = values.containsKey("--order-column")
                ? identifier("--order-column", values.get("--order-column")) : null;
        return new TableTarget(name, merge ? TableTarget.Mode.MERGE : TableTarget.Mode.APPEND, key,
                values.get("--primary-key-file"), order);
    }
    private static Window window(Map<String, String> values) {
        if (!values.containsKey("--where-column")) {
            for (String name : WINDOW) {
                requireAbsent(values, name, "needs --where-column");
            }
            return null;
        }
        if (!values.containsKey("--jdbc-url")) {
            throw new IllegalArgumentException("option --where-column needs --jdbc-url (the window applies to a JDBC"
                    + " read; on the staged path the import step applies it)");
        }
        String column = identifier("--where-column", values.get("--where-column"));
        boolean byTime = values.containsKey("--lower-bound") || values.containsKey("--upper-bound");
        boolean byKey = values.containsKey("--above-key") || values.containsKey("--up-to-key");
        if (byTime && byKey) {
            throw new IllegalArgumentException("option --lower-bound/--upper-bound (by time) cannot be combined with"
                    + " --above-key/--up-to-key (by key)");
        }
        if (byTime) {
            if (!values.containsKey("--upper-bound")) {
                throw new IllegalArgumentException("option --lower-bound needs --upper-bound");
            }
            Instant upper = instant("--upper-bound", values.get("--upper-bound"));
            Instant lower = values.containsKey("--lower-bound")
                    ? instant("--lower-bound", values.get("--lower-bound")) : null;
            if (lower != null && lower.isAfter(upper)) {
                throw new IllegalArgumentException("option --lower-bound " + lower + " is after --upper-bound "
                        + upper);
            }
            return new Window(column, lower, upper, null, null);
        }
        if (values.containsKey("--up-to-key") && !values.containsKey("--above-key")) {
            throw new IllegalArgumentException("option --up-to-key needs --above-key");
        }
        Long above = values.containsKey("--above-key") ? key("--above-key", values.get("--above-key")) : null;
        Long upTo = values.containsKey("--up-to-key") ? key("--up-to-key", values.get("--up-to-key")) : null;
        return new Window(column, null, null, above, upTo);
    }

    private static String identifier(String option, String value) {
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException("option " + option + " must be a column name ([A-Za-z_][A-Za-z0-9_]"
                    + "{0,63}), got '" + value + "'");
        }
        return value;
    }

    private static Instant instant(String option, String value) {
        Instant instant = null;
        if (INSTANT.matcher(value).matches()) {
            try {
                instant = Instant.parse(value);
            } catch (DateTimeParseException e) {
                instant = null;
            }
        }
        if (instant == null) {
            throw new IllegalArgumentException("option " + option + " must be an ISO-8601 UTC instant"
                    + " (YYYY-MM-DDTHH:MM:SS[.fraction]Z), got '" + value + "'");
        }
        if (instant.getNano() % 1000 != 0) {
            throw new IllegalArgumentException("option " + option + " has a fraction finer than microseconds"
                    + " (DATETIME keeps 6 digits), got '" + value + "'");
        }
        return instant;
    }

    private static long key(String option, String value) {
        if (!value.matches("0|-?[1-9][0-9]{0,18}")) {
            throw new IllegalArgumentException("option " + option + " must be a 64-bit integer, got '" + value + "'");
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + option + " must be a 64-bit integer, got '" + value + "'");
        }
    }

    /** The run's window for an incremental table read over JDBC; empty for a whole-table read. */
    public Optional<Window> window() {
        return Optional.ofNullable(window);
    }

    /** The Iceberg table the run's rows go to; empty for the file target (Parquet under {@code --output}). */
    public Optional<TableTarget> tableTarget() {
        return Optional.ofNullable(tableTarget);
    }

    /** The column whose highest value among the rows read goes into the manifest as {@code maxKey}. */
    public Optional<String> maxKeyColumn() {
        return Optional.ofNullable(maxKeyColumn);
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
        String alias = values.get("--password-alias");
        String input = values.get("--password-stdin");
        if ((alias == null) == (input == null)) {
            throw new IllegalArgumentException("give exactly one of --password-alias and --password-stdin (reading over"
                    + " JDBC)");
        }
        if (input != null && !PASSWORD_INPUT.matcher(input).matches()) {
            throw new IllegalArgumentException("option --password-stdin must be text or json:KEY, got '" + input + "'");
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
        if (splitBy != null && !IDENTIFIER.matcher(splitBy).matches()) {
            throw new IllegalArgumentException("option --split-by must be one column name ([A-Za-z_][A-Za-z0-9_]{0,63}),"
                    + " got '" + splitBy + "'");
        }
        List<String> sourceColumns = values.containsKey("--source-columns")
                ? parseColumns("--source-columns", values.get("--source-columns")) : List.of();
        return new Jdbc(url, values.get("--username"), alias, input, splitBy, partitions, sourceColumns);
    }

    private static void requireAbsent(Map<String, String> values, String name, String why) {
        if (values.containsKey(name)) {
            throw new IllegalArgumentException("option " + name + " " + why);
        }
    }

    private static boolean isOption(String arg) {
        return REQUIRED.contains(arg) || OPTIONAL.contains(arg) || STAGED.contains(arg)
                || JDBC_REQUIRED.contains(arg) || JDBC_PASSWORD.contains(arg) || JDBC_OPTIONAL.contains(arg) || WINDOW.contains(arg) || TABLE_TARGET.contains(arg);
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
                        + jdbc.passwordAlias() + ", passwordStdin=" + jdbc.passwordStdin() + ", splitBy=" + jdbc.splitBy() + ", numPartitions="
                        + jdbc.numPartitions() + ", sourceColumns=" + jdbc.sourceColumns())
                + ", output=" + output
                + ", runKey=" + runKey + ", runId=" + runId + ", ingestDate=" + ingestDate + ", table=" + table + ", columns=" + columns
                + ", sql=" + (sql == null ? "none" : "given") + ", window=" + window + ", maxKeyColumn=" + maxKeyColumn
                + ", tableTarget=" + tableTarget + "}";
    }
}
