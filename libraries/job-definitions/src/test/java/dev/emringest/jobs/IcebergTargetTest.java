package dev.emringest.jobs;

import static dev.emringest.jobs.DefinitionEdits.edit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinition.TableMode;
import dev.emringest.jobs.JobDefinition.TableTarget;
import dev.emringest.jobs.JobDefinition.Target;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IcebergTargetTest {

    private final JobDefinitionParser parser = new JobDefinitionParser("/emr-ingest");

    /** An Iceberg job on spark-jdbc (no Sqoop release limit) with three tables. */
    private static final String ICEBERG = """
            {"importer": "spark-jdbc",
             "source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                        "passwordParameter": "/emr-ingest/secrets/db",
                        "tables": [{"name": "Order_Lines"},
                                   {"name": "orders", "target": {"table": "orders_current", "mode": "append"}},
                                   {"name": "customers", "target": {"mergeKey": ["id", "tenant"]}}]},
             "target": {"s3Uri": "s3://lake/warehouse", "format": "iceberg", "database": "shop"},
             "cluster": {"releaseLabel": "emr-7.10.0", "master": {"instanceTypes": ["m5.xlarge"]},
                         "core": {"instanceTypes": ["m5.xlarge"], "count": 2}}}""";

    private static final String PARQUET = edit(edit(ICEBERG, "/target", "{\"s3Uri\": \"s3://lake/raw\"}"),
            "/source/tables", "[{\"name\": \"orders\"}]");

    @Test
    void resolvesEachTablesTarget() {
        JobDefinition d = parser.parse("shop", null, ICEBERG, "v1");

        assertEquals(new Target("s3://lake/warehouse", Target.Format.ICEBERG, "shop", TableMode.MERGE), d.target(),
                "mode defaults to merge");
        assertTrue(d.target().iceberg());
        List<TableTarget> targets = d.source().tables().stream().map(JobDefinition.Table::target).toList();
        assertEquals(List.of(
                new TableTarget("shop", "order_lines", TableMode.MERGE, List.of()),
                new TableTarget("shop", "orders_current", TableMode.APPEND, List.of()),
                new TableTarget("shop", "customers", TableMode.MERGE, List.of("id", "tenant"))), targets);
        assertEquals("shop.order_lines", targets.get(0).qualifiedName());
    }

    @Test
    void theJobsModeIsEveryTablesDefault() {
        String job = edit(edit(ICEBERG, "/target/mode", "\"append\""), "/source/tables/2/target/mode", "\"merge\"");
        List<TableTarget> targets = parser.parse("shop", null, job, "v1").source().tables().stream()
                .map(JobDefinition.Table::target).toList();
        assertEquals(List.of(TableMode.APPEND, TableMode.APPEND, TableMode.MERGE),
                targets.stream().map(TableTarget::mode).toList());
        assertEquals(List.of("id", "tenant"), targets.get(2).mergeKey());
        assertEquals("append", TableMode.APPEND.json());
        assertEquals("merge", TableMode.MERGE.json());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"orders, orders", "Order_Lines, order_lines", "Order-Lines, order_lines", "T1.x y, t1_x_y"})
    void derivesTheTableNameFromTheSourceTable(String source, String table) {
        assertEquals(table, JobDefinitionParser.tableName(source));
    }

    @Test
    void aParquetJobHasNoTableTargets() {
        JobDefinition d = parser.parse("shop", null, PARQUET, "v1");
        assertEquals(new Target("s3://lake/raw", Target.Format.PARQUET, null, null), d.target());
        assertFalse(d.target().iceberg());
        assertNull(d.source().tables().get(0).target());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        iceberg without database   | ICEBERG | /target/database                    |                      | target.database: is required with target.format 'iceberg'
        parquet with database      | PARQUET | /target/database                    | "shop"               | target.database: only with target.format 'iceberg'
        parquet with mode          | PARQUET | /target/mode                        | "merge"              | target.mode: only with target.format 'iceberg'
        parquet with table target  | PARQUET | /source/tables/0/target             | {"table": "orders"}  | source.tables[0].target: only with target.format 'iceberg'
        parquet with empty target  | PARQUET | /source/tables/0/target             | {}                   | source.tables[0].target: only with target.format 'iceberg'
        merge key, table append    | ICEBERG | /source/tables/1/target/mergeKey    | ["id"]               | source.tables[1].target.mergeKey: only with mode 'merge'
        merge key, job append      | ICEBERG | /target/mode                        | "append"             | source.tables[2].target.mergeKey: only with mode 'merge'
        same table as a derived    | ICEBERG | /source/tables/1/target/table       | "order_lines"        | source.tables[1].target.table: 'order_lines' is also the table of source.tables[0]
        derived same as a given    | ICEBERG | /source/tables/0/target             | {"table": "customers"} | source.tables[2].target.table: 'customers' is also the table of source.tables[0]
        release not known          | ICEBERG | /cluster/releaseLabel               | "emr-7.99.0"         | cluster.releaseLabel: target.format 'iceberg' needs a release whose Iceberg emr-ingest knows (emr-7.0.0 to emr-7.14.0), not emr-7.99.0
        """)
    void refusesARuleNamingTheField(String name, String base, String pointer, String value, String problem) {
        String job = edit("ICEBERG".equals(base) ? ICEBERG : PARQUET, pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> parser.parse("shop", null, job, "v1"));
        assertEquals(List.of(problem), e.problems());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        unknown format          | /target/format                     | "delta"              | target.format: must be one of
        database upper case     | /target/database                   | "Shop"               | target.database: must match
        unknown job mode        | /target/mode                       | "upsert"             | target.mode: must be one of
        table with a dash       | /source/tables/0/target/table      | "order-lines"        | source.tables[0].target.table: must match
        unknown table mode      | /source/tables/0/target/mode       | "overwrite"          | source.tables[0].target.mode: must be one of
        empty merge key         | /source/tables/2/target/mergeKey   | []                   | source.tables[2].target.mergeKey: must have at least 1 items
        merge key twice         | /source/tables/2/target/mergeKey   | ["id", "id"]         | source.tables[2].target.mergeKey: lists an item twice
        merge key not a column  | /source/tables/2/target/mergeKey/0 | "id;drop"            | source.tables[2].target.mergeKey[0]: must match
        unknown key             | /source/tables/0/target/colour     | "red"                | source.tables[0].target.colour: is not allowed
        """)
    void theSchemaNamesTheField(String name, String pointer, String value, String problem) {
        String job = edit(ICEBERG, pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> parser.parse("shop", null, job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(problem)),
                () -> "expected " + problem + " in " + e.problems());
        assertFalse(e.getMessage().contains(value.replace("\"", "")), "states the rule, not the value: " + e.getMessage());
    }

    @Test
    void aGlueNameIsAt255Characters() {
        assertEquals("a".repeat(255), parser.parse("shop", null, edit(ICEBERG, "/target/database",
                "\"" + "a".repeat(255) + "\""), "v1").target().database());
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> parser.parse("shop", null,
                edit(ICEBERG, "/source/tables/0/target/table", "\"" + "a".repeat(256) + "\""), "v1"));
        assertEquals(List.of("source.tables[0].target.table: must match ^[a-z0-9_]{1,255}$"), e.problems());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"emr-7.0.0", "emr-7.4.0", "emr-7.10.0", "emr-7.14.0"})
    void icebergRunsOnEveryKnownRelease(String releaseLabel) {
        String job = edit(ICEBERG, "/cluster/releaseLabel", "\"" + releaseLabel + "\"");
        assertTrue(parser.parse("shop", null, job, "v1").target().iceberg());
    }

    @Test
    void aReleaseUnknownToIcebergIsNoProblemForParquet() {
        String job = edit(PARQUET, "/cluster/releaseLabel", "\"emr-7.99.0\"");
        assertEquals("emr-7.99.0", parser.parse("shop", null, job, "v1").cluster().releaseLabel());
    }

    @Test
    void anOlderReleaseIsRefusedForJavaAndForIceberg() {
        String job = edit(ICEBERG, "/cluster/releaseLabel", "\"emr-6.15.0\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> parser.parse("shop", null, job, "v1"));
        assertEquals(2, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().stream().allMatch(p -> p.startsWith("cluster.releaseLabel: ")), e.problems().toString());
    }

    @Test
    void theDefaultsTargetMergesLikeAnyObject() {
        String defaults = "{\"target\": {\"format\": \"iceberg\", \"database\": \"lake\", \"mode\": \"append\"}}";
        String job = edit(edit(ICEBERG, "/target", "{\"s3Uri\": \"s3://lake/warehouse\"}"), "/source/tables/2/target",
                null);
        JobDefinition d = parser.parse("shop", defaults, job, "v1");
        assertEquals(new Target("s3://lake/warehouse", Target.Format.ICEBERG, "lake", TableMode.APPEND), d.target());
        assertEquals(new TableTarget("lake", "customers", TableMode.APPEND, List.of()),
                d.source().tables().get(2).target());

        String own = edit(edit(job, "/target/database", "\"shop\""), "/target/mode", "\"merge\"");
        assertEquals(new Target("s3://lake/warehouse", Target.Format.ICEBERG, "shop", TableMode.MERGE),
                parser.parse("shop", defaults, own, "v1").target(), "the job's own fields win");
    }

    @Test
    void aJobCannotOptOutOfTheDefaultsIcebergFields() {
        String defaults = "{\"target\": {\"format\": \"iceberg\", \"database\": \"lake\", \"mode\": \"merge\"}}";
        String job = edit(PARQUET, "/target/format", "\"parquet\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("shop", defaults, job, "v1"));
        assertEquals(List.of("target.database: only with target.format 'iceberg'",
                "target.mode: only with target.format 'iceberg'"), e.problems());
    }

    @Test
    void theExampleJobStaysParquet() throws Exception {
        var examples = java.nio.file.Path.of("../../examples");
        JobDefinition d = parser.parse("orders", java.nio.file.Files.readString(examples.resolve("defaults.json")),
                java.nio.file.Files.readString(examples.resolve("jobs/orders.json")), "v1");
        assertEquals(Target.Format.PARQUET, d.target().format());
        assertTrue(d.source().tables().stream().allMatch(t -> t.target() == null));
    }

    @ParameterizedTest(name = "{0} ships Iceberg {1}")
    @CsvSource({"emr-7.0.0, 1.4.2", "emr-7.1.0, 1.4.3", "emr-7.2.0, 1.5.0", "emr-7.3.0, 1.5.2", "emr-7.4.0, 1.6.1",
        "emr-7.5.0, 1.6.1", "emr-7.6.0, 1.6.1", "emr-7.7.0, 1.7.1", "emr-7.8.0, 1.7.1", "emr-7.9.0, 1.7.1",
        "emr-7.10.0, 1.8.1", "emr-7.11.0, 1.9.1", "emr-7.12.0, 1.10.0", "emr-7.13.0, 1.10.0", "emr-7.14.0, 1.10.1"})
    void knowsEachReleasesIceberg(String releaseLabel, String version) {
        assertEquals(Optional.of(version), IcebergReleases.icebergVersion(releaseLabel));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"emr-6.15.0", "emr-7.15.0", "emr-7.99.0", "emr-7.1", "EMR-7.1.0"})
    void knowsNoOtherRelease(String releaseLabel) {
        assertEquals(Optional.empty(), IcebergReleases.icebergVersion(releaseLabel));
    }

    @Test
    void noLabelIsNotKnown() {
        assertEquals(Optional.empty(), IcebergReleases.icebergVersion(null));
        assertEquals(Optional.empty(), IcebergReleases.icebergVersion(""));
        assertEquals("emr-7.0.0 to emr-7.14.0", IcebergReleases.range());
    }
}
