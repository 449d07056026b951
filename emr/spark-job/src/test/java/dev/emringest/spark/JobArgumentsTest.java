package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobArgumentsTest {

    private static final List<String> REQUIRED = List.of(
            "--input", "hdfs:///emr-ingest/staging/orders/run_1",
            "--input-format", "parquet",
            "--output", "s3://lake/raw/shop/orders",
            "--run-key", "2025-01-01T00:00:00Z",
            "--table", "orders");

    private static String[] args(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(Arrays.asList(more));
        return all.toArray(String[]::new);
    }

    private static String failure(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> JobArguments.parse(args)).getMessage();
    }

    @Test
    void parsesRequiredOptions() {
        JobArguments parsed = JobArguments.parse(args(REQUIRED));

        assertEquals("hdfs:///emr-ingest/staging/orders/run_1", parsed.input());
        assertEquals("parquet", parsed.inputFormat());
        assertEquals("s3://lake/raw/shop/orders", parsed.output());
        assertEquals("2025-01-01T00:00:00Z", parsed.runKey());
        assertEquals("orders", parsed.table());
        assertTrue(parsed.columns().isEmpty());
        assertFalse(parsed.sql().isPresent());
    }

    @Test
    void parsesOptionalOptionsInAnyOrder() {
        JobArguments parsed = JobArguments.parse(
                "--sql", "SELECT id, total * 100 AS cents FROM source",
                "--table", "orders",
                "--columns", " id, total ,status",
                "--run-key", "k",
                "--output", "file:///tmp/out",
                "--input-format", "avro",
                "--input", "/staging/orders/run_1");

        assertEquals("avro", parsed.inputFormat());
        assertEquals(List.of("id", "total", "status"), parsed.columns());
        assertEquals("SELECT id, total * 100 AS cents FROM source", parsed.sql().orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--input", "--input-format", "--output", "--run-key", "--table"})
    void missingRequiredOptionIsNamed(String option) {
        List<String> without = new ArrayList<>(REQUIRED);
        int at = without.indexOf(option);
        without.remove(at + 1);
        without.remove(at);

        String message = failure(args(without));
        assertTrue(message.startsWith("missing required option " + option), message);
    }

    @Test
    void unknownOptionIsNamed() {
        assertEquals("unknown option '--format'", failure(args(REQUIRED, "--format", "parquet")));
        assertEquals("unknown option 'extra'", failure(args(REQUIRED, "extra")));
        assertEquals("unknown option '--input=/x'", failure("--input=/x"));
    }

    @Test
    void optionWithoutValueIsNamed() {
        assertEquals("option --sql requires a value", failure(args(REQUIRED, "--sql")));
        assertEquals("option --input requires a value", failure("--input", "--table", "orders"));
    }

    @Test
    void blankValueIsNamed() {
        assertEquals("option --run-key must not be blank", failure(replace(REQUIRED, "--run-key", " ")));
    }

    @Test
    void repeatedOptionIsNamed() {
        assertEquals("option --table given more than once", failure(args(REQUIRED, "--table", "customers")));
    }

    @Test
    void inputFormatMustBeParquetOrAvro() {
        String message = failure(replace(REQUIRED, "--input-format", "orc"));
        assertTrue(message.startsWith("option --input-format must be parquet or avro"), message);
    }

    @Test
    void columnsMustNotBeEmptyOrRepeated() {
        assertTrue(failure(args(REQUIRED, "--columns", "id,,total")).startsWith("option --columns has an empty"));
        assertTrue(failure(args(REQUIRED, "--columns", "id,")).startsWith("option --columns has an empty"));
        assertEquals("option --columns names column 'id' twice", failure(args(REQUIRED, "--columns", "id,id")));
    }

    @Test
    void toStringDoesNotPrintTheSql() {
        JobArguments parsed = JobArguments.parse(args(REQUIRED, "--sql", "SELECT secret_column FROM source"));
        assertFalse(parsed.toString().contains("secret_column"));
    }

    private static final List<String> JDBC = List.of(
            "--jdbc-url", "jdbc:mysql://db.internal:3306/shop",
            "--username", "ingest",
            "--password-alias", "emr-ingest.jdbc.password",
            "--output", "s3://lake/raw/shop/orders",
            "--run-key", "k",
            "--table", "orders");

    @Test
    void jdbcFormReadsTheTableWithoutStagedInput() {
        JobArguments parsed = JobArguments.parse(args(JDBC, "--split-by", "id", "--num-partitions", "8",
                "--source-columns", "id,total", "--columns", "total"));
        JobArguments.Jdbc jdbc = parsed.jdbc().orElseThrow();
        assertEquals("jdbc:mysql://db.internal:3306/shop", jdbc.url());
        assertEquals("ingest", jdbc.username());
        assertEquals("emr-ingest.jdbc.password", jdbc.passwordAlias());
        assertEquals("id", jdbc.splitBy());
        assertEquals(8, jdbc.numPartitions());
        assertEquals(List.of("id", "total"), jdbc.sourceColumns());
        assertEquals(List.of("total"), parsed.columns());
        assertEquals(null, parsed.input());
        assertTrue(parsed.toString().contains("passwordAlias=emr-ingest.jdbc.password"), parsed.toString());
    }

    @Test
    void thePasswordMayComeOnStandardInput() {
        List<String> stdin = new java.util.ArrayList<>(JDBC);
        stdin.set(stdin.indexOf("--password-alias"), "--password-stdin");
        stdin.set(stdin.indexOf("emr-ingest.jdbc.password"), "json:password");
        JobArguments.Jdbc jdbc = JobArguments.parse(stdin.toArray(String[]::new)).jdbc().orElseThrow();
        assertEquals("json:password", jdbc.passwordStdin());
        assertEquals(null, jdbc.passwordAlias());
    }

    @Test
    void jdbcWithoutSplitColumnIsOnePartition() {
        JobArguments.Jdbc jdbc = JobArguments.parse(args(JDBC)).jdbc().orElseThrow();
        assertEquals(null, jdbc.splitBy());
        assertEquals(1, jdbc.numPartitions());
        assertFalse(JobArguments.parse(args(REQUIRED)).jdbc().isPresent());
    }

    @Test
    void jdbcOptionsAreChecked() {
        assertEquals("give exactly one of --password-alias and --password-stdin (reading over JDBC)",
                failure("--jdbc-url", "jdbc:mysql://h/d", "--username", "u", "--output", "o", "--run-key", "k",
                        "--table", "t"));
        assertEquals("give exactly one of --password-alias and --password-stdin (reading over JDBC)",
                failure(args(JDBC, "--password-stdin", "text")));
        assertEquals("option --password-stdin must be text or json:KEY, got 'json:'",
                failure("--jdbc-url", "jdbc:mysql://h/d", "--username", "u", "--password-stdin", "json:",
                        "--output", "o", "--run-key", "k", "--table", "t"));
        assertEquals("option --password-stdin needs --jdbc-url", failure(args(REQUIRED, "--password-stdin", "text")));
        assertEquals("option --input cannot be combined with --jdbc-url", failure(args(JDBC, "--input", "/x")));
        assertEquals("option --username needs --jdbc-url", failure(args(REQUIRED, "--username", "u")));
        assertEquals("option --split-by needs --jdbc-url", failure(args(REQUIRED, "--split-by", "id")));
        assertEquals("option --num-partitions needs --split-by (the partition column)",
                failure(args(JDBC, "--num-partitions", "4")));
        assertTrue(failure(args(JDBC, "--split-by", "id", "--num-partitions", "0"))
                .startsWith("option --num-partitions must be an integer 1-9999"));
        assertTrue(failure(args(JDBC, "--split-by", "id", "--num-partitions", "four"))
                .startsWith("option --num-partitions must be an integer 1-9999"));
        assertTrue(failure(args(JDBC, "--split-by", "a,b")).startsWith("option --split-by must be one column"));
        assertTrue(failure(args(JDBC, "--split-by", "id)")).startsWith("option --split-by must be one column"));
        assertTrue(failure(replace(JDBC, "--jdbc-url", "mysql://h/d")).startsWith("option --jdbc-url must be"));
        assertEquals("option --source-columns names column 'id' twice",
                failure(args(JDBC, "--source-columns", "id,id")));
    }

    @Test
    void boundsComeFromTheSplitColumnsMinAndMax() {
        assertEquals(List.of("1", "100000"), List.of(IngestJob.bounds("t", "id", 1L, 100000L)));
        assertEquals(List.of("-3", "7"), List.of(IngestJob.bounds("t", "id", -3, 7)));
        assertEquals(List.of("-2", "8"), List.of(IngestJob.bounds("t", "amount",
                new java.math.BigDecimal("-1.5"), new java.math.BigDecimal("7.25"))));
        assertEquals(List.of("2024-01-01", "2024-12-31"), List.of(IngestJob.bounds("t", "d",
                java.sql.Date.valueOf("2024-01-01"), java.sql.Date.valueOf("2024-12-31"))));
        String message = assertThrows(IllegalArgumentException.class,
                () -> IngestJob.bounds("t", "name", "a", "z")).getMessage();
        assertTrue(message.startsWith("--split-by column name of table t is of type String"), message);
    }

    // ------------------------------------------------------------------------------------------ Iceberg table target

    private static final String TABLE = "glue_catalog.shop.orders";

    @Test
    void withoutTargetTableTheRunWritesFiles() {
        assertTrue(JobArguments.parse(args(REQUIRED)).tableTarget().isEmpty());
        assertTrue(JobArguments.parse(args(JDBC)).tableTarget().isEmpty());
    }

    @Test
    void aMergeTargetWithItsKeyAndOrderColumn() {
        JobArguments parsed = JobArguments.parse(args(REQUIRED, "--target-table", TABLE, "--mode", "merge",
                "--merge-key", "id, tenant", "--order-column", "updated_at"));
        assertEquals(new JobArguments.TableTarget(TABLE, JobArguments.TableTarget.Mode.MERGE, List.of("id", "tenant"),
                null, "updated_at"), parsed.tableTarget().orElseThrow());
        assertTrue(parsed.toString().contains("tableTarget=TableTarget[name=" + TABLE), parsed.toString());
    }

    @Test
    void anAppendTargetHasNoKey() {
        assertEquals(new JobArguments.TableTarget(TABLE, JobArguments.TableTarget.Mode.APPEND, List.of(), null, null),
                JobArguments.parse(args(JDBC, "--target-table", TABLE, "--mode", "append")).tableTarget()
                        .orElseThrow());
    }

    @Test
    void aStagedMergeMayTakeThePrimaryKeyFromAFile() {
        String file = "hdfs:///emr-ingest/staging/run_1/orders.primary-key";
        JobArguments.TableTarget target = JobArguments.parse(args(REQUIRED, "--target-table", TABLE, "--mode", "merge",
                "--primary-key-file", file, "--order-column", "updated_at")).tableTarget().orElseThrow();
        assertEquals(file, target.primaryKeyFile());
        assertEquals(List.of(), target.mergeKey(), "no key named: the file's key is used");
        assertEquals(JobArguments.TableTarget.Mode.MERGE, target.mode());
        assertEquals("updated_at", target.orderColumn());
    }

    @Test
    void aMergeOverJdbcWithoutKeyReadsThePrimaryKeyItself() {
        JobArguments.TableTarget target = JobArguments.parse(args(JDBC, "--target-table", TABLE, "--mode", "merge"))
                .tableTarget().orElseThrow();
        assertEquals(List.of(), target.mergeKey());
        assertEquals(null, target.primaryKeyFile());
        assertEquals(null, target.orderColumn());
    }

    @Test
    void theTargetTableNeedsAMode() {
        assertEquals("missing required option --mode (with --target-table)",
                failure(args(REQUIRED, "--target-table", TABLE)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"upsert", "MERGE", "Append", "overwrite"})
    void theModeIsAppendOrMerge(String mode) {
        assertEquals("option --mode must be append or merge, got '" + mode + "'",
                failure(args(REQUIRED, "--target-table", TABLE, "--mode", mode)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--merge-key", "--primary-key-file", "--order-column"})
    void mergeOptionsNeedModeMerge(String option) {
        assertEquals("option " + option + " needs --mode merge",
                failure(args(REQUIRED, "--target-table", TABLE, "--mode", "append", option, "id")));
    }

    @Test
    void aNamedKeyAndAKeyFileExcludeEachOther() {
        assertEquals("option --merge-key cannot be combined with --primary-key-file",
                failure(args(REQUIRED, "--target-table", TABLE, "--mode", "merge", "--merge-key", "id",
                        "--primary-key-file", "hdfs:///k")));
    }

    @Test
    void aKeyFileIsForTheStagedPathOnly() {
        String message = failure(args(JDBC, "--target-table", TABLE, "--mode", "merge",
                "--primary-key-file", "hdfs:///k"));
        assertTrue(message.startsWith("option --primary-key-file needs --input"), message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shop.orders", "orders", "glue_catalog.Shop.orders", "glue_catalog.shop.order-lines",
        "glue_catalog.shop.orders.x", "glue_catalog..orders", "glue_catalog.shop.orders;drop"})
    void theTargetTableIsCatalogDatabaseTable(String name) {
        assertEquals("option --target-table must be catalog.database.table (each part [a-z0-9_]), got '" + name + "'",
                failure(args(REQUIRED, "--target-table", name, "--mode", "append")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--mode", "--merge-key", "--primary-key-file", "--order-column"})
    void tableOptionsNeedTheTargetTable(String option) {
        String value = option.equals("--mode") ? "merge" : "id";
        assertEquals("option " + option + " needs --target-table", failure(args(REQUIRED, option, value)));
    }

    @Test
    void keyAndOrderColumnsAreColumnNames() {
        List<String> merge = List.of("--target-table", TABLE, "--mode", "merge");
        assertTrue(failure(args(REQUIRED, args(merge, "--merge-key", "id,,tenant")))
                .startsWith("option --merge-key has an empty column name"));
        assertEquals("option --merge-key names column 'id' twice",
                failure(args(REQUIRED, args(merge, "--merge-key", "id,id"))));
        assertEquals("option --merge-key must be a column name ([A-Za-z_][A-Za-z0-9_]{0,63}), got 'id;drop'",
                failure(args(REQUIRED, args(merge, "--merge-key", "id,id;drop"))));
        assertEquals("option --order-column must be a column name ([A-Za-z_][A-Za-z0-9_]{0,63}), got 'max(ts)'",
                failure(args(REQUIRED, args(merge, "--order-column", "max(ts)"))));
    }

    private static String[] replace(List<String> base, String option, String value) {
        List<String> copy = new ArrayList<>(base);
        copy.set(copy.indexOf(option) + 1, value);
        return copy.toArray(String[]::new);
    }
}
