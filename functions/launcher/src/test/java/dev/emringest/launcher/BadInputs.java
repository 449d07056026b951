package dev.emringest.launcher;

import dev.emringest.local.ExampleAccount;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link BadInputIT}'s corpus: bad SQS bodies (the literal ones in {@code bad-requests.json}) and bad job definitions,
 * each with the field its rejection must name.
 */
final class BadInputs {

    static final Path REPO = Path.of("../..");
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** The database password seeded as the SecureString the example jobs name. */
    static final String PASSWORD = "S33ded-Pa55word-b4d1";
    /** A second secret, stored under the secrets path like a real account would hold several. */
    static final String OTHER_SECRET_PARAMETER = ExampleAccount.PREFIX + "/secrets/warehouse-db";
    static final String OTHER_PASSWORD = "0ther-Wareh0use-Secret-93c2";

    private BadInputs() {}

    enum Family { REQUEST, DEFINITION }

    /**
     * One bad input.
     *
     * @param body      the SQS message body
     * @param field     the field the log line (and, for a definition, the ledger's failure message) must name
     * @param job       for a definition error, the job whose definition is bad
     * @param ssm       parameters written (as String) before the message is sent: the job definition, and the
     *                  defaults when the case replaces them
     */
    record Case(String name, Family family, String body, String field, String job, Map<String, String> ssm) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> corpus() {
        return Stream.concat(requests().stream(), definitions().stream());
    }

    private static Case request(String name, String body, String field) {
        return new Case("request: " + name, Family.REQUEST, body, field, null, Map.of());
    }

    private static Case definition(String name, String job, String document, String field) {
        return new Case("definition: " + name, Family.DEFINITION, "{\"job\": \"" + job + "\"}", field, job,
                Map.of(ExampleAccount.PREFIX + "/jobs/" + job, document));
    }

    private static Case definition(String name, String job, String field, Consumer<ObjectNode> change) {
        ObjectNode document = valid();
        change.accept(document);
        return definition(name, job, JSON.writeValueAsString(document), field);
    }

    private static String repeat(String s, int n) {
        return s.repeat(n);
    }

    /**
     * The requests a launch must refuse, naming the field: the literal ones in {@code bad-requests.json} as
     * [name, body, field] (malformed JSON, not an object, wrong types, control characters, path and option injection,
     * look-alikes, fields a request never carries), then those built here (sizes, the seeded password, no definition).
     */
    static List<Case> requests() {
        List<Case> c = new ArrayList<>();
        try (InputStream in = BadInputs.class.getResourceAsStream("bad-requests.json")) {
            for (JsonNode literal : JSON.readTree(in)) {
                c.add(request(literal.get(0).stringValue(), literal.get(1).stringValue(), literal.get(2).stringValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        c.add(request("malformed JSON: nested 3000 deep", repeat("[", 3000) + repeat("]", 3000), "body"));
        c.add(request("malformed JSON: a 5000-digit number", "{\"job\": " + repeat("9", 5000) + "}", "body"));
        c.add(new Case("request: unknown job (valid name, no SSM parameter)", Family.DEFINITION,
                "{\"job\": \"invoices\"}", "job", "invoices", Map.of()));
        c.add(request("job name of 49 characters", "{\"job\": \"" + repeat("a", 49) + "\"}", "job"));
        c.add(request("runKey of 129 characters",
                "{\"job\": \"orders\", \"runKey\": \"" + repeat("k", 129) + "\"}", "runKey"));
        c.add(request("option injection in runKey: --password=<seeded password>",
                "{\"job\": \"orders\", \"runKey\": \"--password=" + PASSWORD + "\"}", "runKey"));
        c.add(request("extra field: password (the seeded one)",
                "{\"job\": \"orders\", \"password\": \"" + PASSWORD + "\"}", "password"));
        return c;
    }

    /** A definition that launches as is (see {@code BadInputIT.theBaseDefinitionLaunches}); each case breaks one thing. */
    static ObjectNode valid() {
        return (ObjectNode) JSON.readTree("""
                {"source": {"jdbcUrl": "jdbc:mysql://shop-db.internal:3306/shop", "username": "ingest",
                            "passwordParameter": "/emr-ingest/secrets/shop-db",
                            "tables": [{"name": "orders", "splitBy": "id", "mappers": 4}]},
                 "target": {"s3Uri": "s3://example-lake/raw/shop"},
                 "cluster": {"idleTimeoutSeconds": 600}}""");
    }

    private static ObjectNode source(ObjectNode d) {
        return (ObjectNode) d.get("source");
    }

    private static ObjectNode table(ObjectNode d) {
        return (ObjectNode) source(d).get("tables").get(0);
    }

    private static ObjectNode cluster(ObjectNode d) {
        return (ObjectNode) d.get("cluster");
    }

    static List<Case> definitions() {
        List<Case> c = new ArrayList<>();
        // malformed document
        c.add(definition("malformed JSON document (truncated, holding the seeded password)", "truncated",
                "{\"source\": {\"jdbcUrl\": \"jdbc:mysql://db:3306/shop\", \"password\": \"" + PASSWORD + "\",",
                "jobs/truncated"));
        c.add(definition("document is an array", "array-doc", "[{\"source\": {}}]", "jobs/array-doc"));
        c.add(definition("document nested 1900 deep", "deep-doc",
                "{\"description\": " + repeat("[", 1900) + repeat("]", 1900) + "}", "jobs/deep-doc"));
        c.add(definition("a 2000-digit core count", "huge-count",
                JSON.writeValueAsString(valid()).replace("\"cluster\":{", "\"cluster\":{\"core\":"
                        + "{\"instanceTypes\":[\"m5.xlarge\"],\"count\":" + repeat("9", 2000) + "},"),
                "jobs/huge-count")); // over the parser's number-length limit: the document is named, with the position
        // values that read as options on a command line
        c.add(definition("username --password", "dash-username", "source.username",
                d -> source(d).put("username", "--password")));
        c.add(definition("table name --query", "dash-table", "source.tables[0].name",
                d -> table(d).put("name", "--query")));
        c.add(definition("splitBy -x", "dash-split", "source.tables[0].splitBy",
                d -> table(d).put("splitBy", "-x")));
        // JDBC URL
        c.add(definition("jdbcUrl option allowLoadLocalInfile=true", "local-infile", "source.jdbcUrl",
                d -> source(d).put("jdbcUrl", "jdbc:mysql://shop-db.internal:3306/shop?allowLoadLocalInfile=true")));
        c.add(definition("jdbcUrl option autoDeserialize=true", "auto-deser", "source.jdbcUrl",
                d -> source(d).put("jdbcUrl", "jdbc:mysql://shop-db.internal:3306/shop?useSSL=true&autoDeserialize=true")));
        c.add(definition("jdbcUrl option password=<seeded password>", "url-password", "source.jdbcUrl",
                d -> source(d).put("jdbcUrl", "jdbc:mysql://shop-db.internal:3306/shop?password=" + PASSWORD)));
        c.add(definition("jdbcUrl option percent-encoded: allowLoadLocal%49nfile=true", "encoded-option",
                "source.jdbcUrl",
                d -> source(d).put("jdbcUrl", "jdbc:mysql://shop-db.internal:3306/shop?allowLoadLocal%49nfile=true")));
        c.add(definition("jdbcUrl with user:password@ (the seeded one)", "url-userinfo", "source.jdbcUrl",
                d -> source(d).put("jdbcUrl", "jdbc:mysql://ingest:" + PASSWORD + "@shop-db.internal:3306/shop")));
        c.add(definition("jdbc:postgresql URL", "postgres", "source.jdbcUrl",
                d -> source(d).put("jdbcUrl", "jdbc:postgresql://shop-db.internal:5432/shop")));
        // the password parameter
        c.add(definition("passwordParameter outside /emr-ingest/secrets/", "other-secret", "source.passwordParameter",
                d -> source(d).put("passwordParameter", "/other-app/db-password")));
        c.add(definition("passwordParameter under a look-alike prefix /emr-ingest/secrets-old/", "secret-prefix",
                "source.passwordParameter",
                d -> source(d).put("passwordParameter", "/emr-ingest/secrets-old/shop-db")));
        // wrong types and ranges
        c.add(definition("core count \"two\"", "count-string", "cluster.core.count",
                d -> cluster(d).set("core", JSON.readTree("{\"instanceTypes\": [\"m5.xlarge\"], \"count\": \"two\"}"))));
        c.add(definition("mappers -1", "mappers-negative", "source.tables[0].mappers",
                d -> table(d).put("mappers", -1)));
        c.add(definition("idleTimeoutSeconds 30", "idle-30", "cluster.idleTimeoutSeconds",
                d -> cluster(d).put("idleTimeoutSeconds", 30)));
        // missing required fields
        c.add(definition("missing source", "no-source", "source", d -> d.remove("source")));
        c.add(definition("missing target.s3Uri", "no-s3uri", "target.s3Uri",
                d -> ((ObjectNode) d.get("target")).remove("s3Uri")));
        ObjectNode defaultsWithoutCore = (ObjectNode) JSON.readTree(read("defaults.json"));
        ((ObjectNode) defaultsWithoutCore.get("cluster")).remove("core");
        Case noCore = definition("missing cluster.core (neither job nor defaults)", "no-core", "cluster.core",
                d -> { });
        Map<String, String> noCoreSsm = new LinkedHashMap<>(noCore.ssm());
        noCoreSsm.put(ExampleAccount.PREFIX + "/defaults", JSON.writeValueAsString(defaultsWithoutCore));
        c.add(new Case(noCore.name(), noCore.family(), noCore.body(), noCore.field(), noCore.job(), noCoreSsm));
        // unknown fields
        c.add(definition("unknown field source.password (the seeded one)", "inline-password", "source.password",
                d -> source(d).put("password", PASSWORD)));
        c.add(definition("unknown field whose name holds control characters", "ctl-field", "x?[2J?y",
                d -> d.put("x\u001b[2J\ny", 1)));
        // cluster rules
        c.add(definition("release label emr-7.5.0 with sqoop", "release-75", "cluster.releaseLabel",
                d -> cluster(d).put("releaseLabel", "emr-7.5.0")));
        c.add(definition("release label emr-99999999999.0.0 (overflows an int)", "release-huge",
                "cluster.releaseLabel", d -> cluster(d).put("releaseLabel", "emr-99999999999.0.0")));
        c.add(definition("more instances than maxInstances", "too-many", "cluster.core.count",
                d -> cluster(d).set("core", JSON.readTree("{\"instanceTypes\": [\"m5.xlarge\"], \"count\": 20}"))));
        c.add(definition("s3Uri with spaces", "s3-spaces", "target.s3Uri",
                d -> ((ObjectNode) d.get("target")).put("s3Uri", "s3://example-lake/raw shop/orders")));
        c.add(definition("duplicate table", "dup-table", "source.tables[1].name",
                d -> ((ArrayNode) source(d).get("tables")).add(JSON.readTree("{\"name\": \"ORDERS\"}"))));
        c.add(definition("reserved tag key emr-ingest:job", "reserved-tag", "cluster.tags",
                d -> cluster(d).set("tags", JSON.readTree("{\"emr-ingest:job\": \"orders\"}"))));
        return c;
    }

    private static String read(String example) {
        try {
            return java.nio.file.Files.readString(REPO.resolve("examples").resolve(example));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
