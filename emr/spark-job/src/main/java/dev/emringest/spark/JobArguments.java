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
 * --input DIR --input-format parquet|avro --output S3_OR_FILE_URI --run-key KEY --table NAME
 * [--run-id ID] [--ingest-date YYYY-MM-DD] [--columns a,b,c] [--sql "SELECT ... FROM source"]
 * </pre>
 *
 * Each option and each value is its own argument. Every error is an {@link IllegalArgumentException} whose message
 * names the option at fault.
 */
public final class JobArguments {

    public static final String USAGE = "usage: IngestJob --input DIR --input-format parquet|avro --output URI"
            + " --run-key KEY --table NAME [--run-id ID] [--ingest-date YYYY-MM-DD] [--columns a,b,c]"
            + " [--sql \"SELECT ... FROM source\"]";

    /** Name of the temporary view the operator's SQL reads from. */
    public static final String SOURCE_VIEW = "source";

    private static final List<String> REQUIRED =
            List.of("--input", "--input-format", "--output", "--run-key", "--table");
    private static final Set<String> OPTIONAL = Set.of("--columns", "--sql", "--run-id", "--ingest-date");
    private static final Set<String> FORMATS = Set.of("parquet", "avro");

    private final String input;
    private final String inputFormat;
    private final String output;
    private final String runKey;
    private final String table;
    private final List<String> columns;
    private final String sql;
    private final String runId;
    private final LocalDate ingestDate;

    private JobArguments(String input, String inputFormat, String output, String runKey, String table,
                         List<String> columns, String sql, String runId, LocalDate ingestDate) {
        this.input = input;
        this.inputFormat = inputFormat;
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
            if (!REQUIRED.contains(name) && !OPTIONAL.contains(name)) {
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
        String format = values.get("--input-format");
        if (!FORMATS.contains(format)) {
            throw new IllegalArgumentException("option --input-format must be parquet or avro, got '" + format + "'");
        }
        List<String> columns = values.containsKey("--columns") ? parseColumns(values.get("--columns")) : List.of();
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
        return new JobArguments(values.get("--input"), format, values.get("--output"), values.get("--run-key"),
                values.get("--table"), columns, values.get("--sql"), runId, ingestDate);
    }

    private static boolean isOption(String arg) {
        return REQUIRED.contains(arg) || OPTIONAL.contains(arg);
    }

    private static List<String> parseColumns(String value) {
        List<String> columns = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String column = part.trim();
            if (column.isEmpty()) {
                throw new IllegalArgumentException("option --columns has an empty column name in '" + value + "'");
            }
            if (columns.contains(column)) {
                throw new IllegalArgumentException("option --columns names column '" + column + "' twice");
            }
            columns.add(column);
        }
        return columns;
    }

    /** Staged data written by the import step (for example {@code hdfs:///emr-ingest/staging/cd6420d7f6ee/orders}). */
    public String input() {
        return input;
    }

    /** {@code parquet} or {@code avro}: a Spark data source name. */
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
        return "JobArguments{input=" + input + ", inputFormat=" + inputFormat + ", output=" + output
                + ", runKey=" + runKey + ", runId=" + runId + ", ingestDate=" + ingestDate + ", table=" + table + ", columns=" + columns
                + ", sql=" + (sql == null ? "none" : "given") + "}";
    }
}
