package dev.emringest.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JobDefinitionParserTest {

    private static final Path EXAMPLES = Path.of("../../examples");
    private final JobDefinitionParser parser = new JobDefinitionParser("/emr-ingest");

    private static String example(String name) throws IOException {
        return Files.readString(EXAMPLES.resolve(name));
    }

    @Test
    void mergesTheExampleJobOverTheDefaults() throws IOException {
        JobDefinition d = parser.parse("orders", example("defaults.json"), example("jobs/orders.json"), "v1");

        assertEquals("emr-7.4.0", d.cluster().releaseLabel(), "release label comes from the defaults");
        assertEquals(List.of("m5.xlarge"), d.cluster().core().instanceTypes());
        assertEquals(2, d.cluster().core().count());
        assertEquals(List.of("m5.xlarge"), d.cluster().master().instanceTypes(), "objects merge key by key");
        assertEquals(1, d.cluster().configurations().size(), "the job adds what the defaults lack");
        assertEquals(900, d.cluster().idleTimeoutSeconds());
        assertEquals("data-platform", d.cluster().tags().get("team"));
        assertEquals(2, d.source().tables().size());
        assertEquals("SELECT id, country, created_at FROM source", d.source().tables().get(1).transform().sql());
        assertEquals(4, d.source().tables().get(0).mappers());
        assertEquals("spark-defaults", d.cluster().configurations().get(0).get("Classification"));
        assertEquals("v1", d.version());
    }

    @Test
    void theJobsArraysReplaceTheDefaults() {
        JobDefinition d = parser.parse("orders",
                "{\"cluster\": {\"core\": {\"instanceTypes\": [\"m5.xlarge\"], \"count\": 2}}}",
                """
                {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                            "passwordParameter": "/emr-ingest/secrets/db", "tables": [{"name": "t"}]},
                 "target": {"s3Uri": "s3://bucket/x"},
                 "cluster": {"releaseLabel": "emr-7.1.0", "master": {"instanceTypes": ["m5.xlarge"]},
                             "core": {"instanceTypes": ["m5a.xlarge", "m6a.xlarge"], "market": "SPOT"}}}""", "v1");
        assertEquals(List.of("m5a.xlarge", "m6a.xlarge"), d.cluster().core().instanceTypes());
        assertEquals(2, d.cluster().core().count(), "a key the job leaves out keeps its default");
        assertTrue(d.cluster().core().spot());
        assertEquals(20, d.cluster().core().spotTimeoutMinutes());
    }

    @Test
    void appliesSchemaDefaultsToAMinimalDefinition() {
        String job = """
                {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                            "passwordParameter": "/emr-ingest/secrets/db", "tables": [{"name": "t"}]},
                 "target": {"s3Uri": "s3://bucket/x"},
                 "cluster": {"releaseLabel": "emr-7.1.0", "master": {"instanceTypes": ["m5.xlarge"]},
                             "core": {"instanceTypes": ["m5.xlarge"], "count": 1}}}""";
        JobDefinition d = parser.parse("t", null, job, "v1");
        assertEquals(JobDefinition.Importer.SQOOP, d.importer());
        assertEquals("avro", d.source().stagingFormat(), "Sqoop/Kite Parquet staging fails on DECIMAL");
        assertEquals(4, d.source().tables().get(0).mappers());
        assertEquals(3600, d.cluster().idleTimeoutSeconds());
        assertEquals(10, d.cluster().maxInstances());
        assertEquals(JobDefinition.CoreInstances.Market.ON_DEMAND, d.cluster().core().market());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        missing jdbc url      | /source/jdbcUrl                              |                         | source.jdbcUrl
        wrong type            | /cluster/core/count                          | "two"                   | cluster.core.count
        unknown field         | /source/tables/0/colour                      | "red"                   | source.tables[0].colour
        bad table name        | /source/tables/0/name                        | "orders;drop"           | source.tables[0].name
        option as value       | /source/username                             | "--password"            | source.username
        idle timeout too low  | /cluster/idleTimeoutSeconds                  | 30                      | cluster.idleTimeoutSeconds
        too many instances    | /cluster/core/count                          | 12                      | cluster.core.count
        secret outside prefix | /source/passwordParameter                    | "/other/secret"         | source.passwordParameter
        local infile option   | /source/jdbcUrl                              | "jdbc:mysql://h:3306/d?allowLoadLocalInfile=true" | source.jdbcUrl
        password in url       | /source/jdbcUrl                              | "jdbc:mysql://h:3306/d?password=x" | source.jdbcUrl
        no sqoop after 7.4    | /cluster/releaseLabel                        | "emr-7.5.0"             | cluster.releaseLabel
        too old for java 17   | /cluster/releaseLabel                        | "emr-6.15.0"            | cluster.releaseLabel
        duplicate table       | /source/tables/1/name                        | "orders"                | source.tables[1].name
        reserved tag          | /cluster/tags/emr-ingest:job                 | "x"                     | cluster.tags
        """)
    void namesTheJobAndTheField(String name, String pointer, String value, String field) throws IOException {
        String job = edit(example("jobs/orders.json"), pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.getMessage().startsWith("job 'orders': "), e.getMessage());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(field)),
                () -> "expected a problem naming " + field + " in " + e.problems());
    }

    @Test
    void sqoopAfterEmr740IsRejectedNamingTheReleaseLabel() throws IOException {
        String job = edit(example("jobs/orders.json"), "/cluster/releaseLabel", "\"emr-7.5.0\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertEquals(List.of("cluster.releaseLabel: importer 'sqoop' needs emr-7.4.0 or earlier (emr-7.5.0 ships no"
                + " Sqoop; use importer 'spark-jdbc')"), e.problems());
    }

    @ParameterizedTest(name = "spark-jdbc on {0}")
    @CsvSource({"emr-7.0.0", "emr-7.4.0", "emr-7.5.0", "emr-7.10.0", "emr-8.0.0"})
    void sparkJdbcRunsOnEverySupportedRelease(String releaseLabel) throws IOException {
        String job = edit(edit(example("jobs/orders.json"), "/cluster/releaseLabel", "\"" + releaseLabel + "\""),
                "/importer", "\"spark-jdbc\"");
        JobDefinition d = parser.parse("orders", example("defaults.json"), job, "v1");
        assertEquals(JobDefinition.Importer.SPARK_JDBC, d.importer());
        assertEquals(releaseLabel, d.cluster().releaseLabel());
    }

    @Test
    void sparkJdbcStillNeedsEmr700OrLater() throws IOException {
        String job = edit(edit(example("jobs/orders.json"), "/cluster/releaseLabel", "\"emr-6.15.0\""),
                "/importer", "\"spark-jdbc\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("cluster.releaseLabel: emr-6.15.0 is older")),
                e.problems().toString());
    }

    @Test
    void unknownImporterIsRejectedByTheSchema() throws IOException {
        String job = edit(example("jobs/orders.json"), "/importer", "\"dms\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("importer")), e.problems().toString());
    }

    @Test
    void malformedJsonSaysWhereWithoutQuotingTheDocument() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", null, "{\"source\": {\"username\": \"secret-ish\",", "v1"));
        assertTrue(e.getMessage().startsWith("job 'orders': jobs/orders: not valid JSON (line 1"), e.getMessage());
        assertTrue(!e.getMessage().contains("secret-ish"), e.getMessage());
    }

    /** Sets (or, with no value, removes) the field at a JSON pointer, creating a missing parent object. */
    private static String edit(String json, String pointer, String value) {
        JsonObject root = JsonDocuments.read(json).asJsonObject();
        String parent = pointer.substring(0, pointer.lastIndexOf('/'));
        var patch = JsonDocuments.JSON.createPatchBuilder();
        if (!parent.isEmpty() && !JsonDocuments.JSON.createPointer(parent).containsValue(root)) {
            patch.add(parent, JsonValue.EMPTY_JSON_OBJECT);
        }
        if (value == null) {
            patch.remove(pointer);
        } else {
            patch.add(pointer, JsonDocuments.read(value));
        }
        return patch.build().apply(root).toString();
    }

    private static final String INCREMENTAL = """
            {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                        "passwordParameter": "/emr-ingest/secrets/db",
                        "tables": [{"name": "orders", "incremental": {"column": "updated_at", "mode": "lastmodified",
                                                                      "lagSeconds": 60}},
                                   {"name": "events", "incremental": {"column": "id", "mode": "%s"}}]},
             "target": {"s3Uri": "s3://bucket/x"},
             "cluster": {"releaseLabel": "emr-7.1.0", "master": {"instanceTypes": ["m5.xlarge"]},
                         "core": {"instanceTypes": ["m5.xlarge"], "count": 2}}}""";

    @Test
    void readsIncrementalTables() {
        JobDefinition d = parser.parse("orders", "{}", INCREMENTAL.formatted("append"), "v1");
        assertTrue(d.incremental());
        assertEquals(new JobDefinition.Incremental("updated_at", JobDefinition.Incremental.Mode.LASTMODIFIED, 60),
                d.source().tables().get(0).incremental());
        assertEquals(new JobDefinition.Incremental("id", JobDefinition.Incremental.Mode.APPEND, 0), d.source().tables().get(1).incremental());
    }

    @Test
    void anUnknownIncrementalModeNamesTheField() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", "{}", INCREMENTAL.formatted("merge"), "v1"));
        assertTrue(e.getMessage().contains("source.tables[1].incremental.mode"), e.getMessage());
    }

    @Test
    void theSchemaIsAValidDraft202012Schema() throws IOException {
        // The functions skip this check at start-up; here the validator checks the schema against the meta-schema.
        String schema = new String(JobSchema.class.getResourceAsStream(JobSchema.RESOURCE).readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        var validator = new dev.harrel.jsonschema.ValidatorFactory()
                .withJsonNodeFactory(new dev.harrel.jsonschema.providers.JakartaJsonNode.Factory()).createValidator();
        validator.registerSchema(java.net.URI.create("urn:test"), JsonDocuments.read(schema));
        var broken = schema.replaceFirst("\"type\": \"object\"", "\"type\": \"objekt\"");
        assertThrows(dev.harrel.jsonschema.InvalidSchemaException.class,
                () -> validator.registerSchema(java.net.URI.create("urn:broken"), JsonDocuments.read(broken)));
    }

    @Test
    void errorsStateTheRuleNotTheValue() {
        String job = INCREMENTAL.formatted("append").replace("\"username\": \"u\"", "\"username\": \"Pa55 w0rd!\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> parser.parse("orders", "{}", job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("source.username: must match ")), e.problems().toString());
        assertTrue(!e.getMessage().contains("Pa55"), e.getMessage());
    }

    @Test
    void eachMissingFieldIsNamed() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", null, "{\"source\": {\"tables\": [{}]}, \"extra\": 1}", "v1"));
        for (String field : List.of("target: is required", "cluster: is required", "source.jdbcUrl: is required",
                "source.username: is required", "source.tables[0].name: is required", "extra: is not allowed")) {
            assertTrue(e.problems().contains(field), () -> field + " missing from " + e.problems());
        }
    }

    @Test
    void aFieldGivenTwiceIsNamed() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", null, "{\"target\": {}, \"target\": {}}", "v1"));
        assertTrue(e.getMessage().contains("jobs/orders: not valid JSON: field 'target' appears twice"), e.getMessage());
    }
}
