package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A corpus of bad launch requests (SQS bodies) and bad job definitions (SSM documents), each sent through
 * {@link SqsHandler} against moto server. Whatever the input, the launcher must:
 * <ol type="a">
 *   <li>report the message failed (its id in {@code batchItemFailures}): nothing is dropped, so SQS redelivers it
 *       and, after the receive limit, moves it to the DLQ;</li>
 *   <li>start no cluster;</li>
 *   <li>log one line for the message that names the field: {@code launch rejected: <field>: ...} for a bad request,
 *       {@code ... job '<job>': <field>: ...} for a bad definition;</li>
 *   <li>log no raw control character and no password seeded in SSM;</li>
 *   <li>for a bad definition, leave a LAUNCH_FAILED run with failure code INVALID_DEFINITION whose message names
 *       the field; for a bad request, claim nothing (no object under {@code runs/} in the ledger).</li>
 * </ol>
 */
class BadInputIT {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final Path REPO = Path.of("../..");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The database password seeded as the SecureString the example jobs name. */
    private static final String PASSWORD = "S33ded-Pa55word-b4d1";
    /** A second secret, stored under the secrets path like a real account would hold several. */
    private static final String OTHER_SECRET_PARAMETER = ExampleAccount.PREFIX + "/secrets/warehouse-db";
    private static final String OTHER_PASSWORD = "0ther-Wareh0use-Secret-93c2";

    private static final List<String[]> SUMMARY = new CopyOnWriteArrayList<>();

    private AwsClients aws;
    private EmrClient emr;
    private LaunchService launches;
    private Ledger ledger;
    private LoggedContext context;

    // ------------------------------------------------------------------------------------------------- the corpus

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
        try (InputStream in = BadInputIT.class.getResourceAsStream("bad-requests.json")) {
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

    /** A definition that launches as is (see {@link #theBaseDefinitionLaunches()}); each case breaks one thing. */
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

    // ------------------------------------------------------------------------------------------------- the account

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        aws = MOTO.clients();
        ExampleAccount.seed(aws, REPO.resolve("examples"), PASSWORD);
        aws.ssm().putParameter(r -> r.name(OTHER_SECRET_PARAMETER)
                .type(software.amazon.awssdk.services.ssm.model.ParameterType.SECURE_STRING)
                .value(OTHER_PASSWORD).overwrite(true));
        launches = LauncherInit.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                Clock.systemUTC());
        emr = aws.emr();
        ledger = new Ledger(aws.s3(), ExampleAccount.LEDGER_BUCKET);
        context = new LoggedContext("launcher");
    }

    private static SQSEvent message(String id, String body) {
        return SqsEvents.of(id, body);
    }

    private List<ClusterSummary> clusters() {
        return emr.listClustersPaginator(r -> { }).clusters().stream().toList();
    }

    private List<String> ledgerKeys(String prefix) {
        return aws.s3().listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET).prefix(prefix))
                .contents().stream().map(S3Object::key).toList();
    }

    // ------------------------------------------------------------------------------------------------- the checks

    /** The control test: the request and the definition every case breaks launch when left alone. */
    @Test
    void theBaseDefinitionLaunches() {
        ExampleAccount.put(aws.ssm(), ExampleAccount.PREFIX + "/jobs/base", JSON.writeValueAsString(valid()));
        SQSBatchResponse response = SqsEvents.deliver(new SqsHandler(launches),
                message(UUID.randomUUID().toString(), "{\"job\": \"base\", \"runKey\": \"manual-1\"}"), context);
        assertTrue(response.getBatchItemFailures().isEmpty(), context.lines().toString());
        assertEquals(1, clusters().size());
        assertEquals(RunState.LAUNCHED, ledger.read("base", "manual-1").orElseThrow().value().state());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("corpus")
    void aBadInputFailsTheMessageNamesTheFieldAndLaunchesNothing(Case input) {
        input.ssm().forEach((name, value) -> ExampleAccount.put(aws.ssm(), name, value));
        String messageId = UUID.randomUUID().toString();

        SQSBatchResponse response = null;
        Throwable thrown = null;
        try {
            response = SqsEvents.deliver(new SqsHandler(launches), message(messageId, input.body()), context);
        } catch (Throwable t) {
            thrown = t;
        }
        List<String> lines = context.lines();
        List<String> mine = lines.stream().filter(l -> l.endsWith(" message=" + messageId)).toList();
        String line = mine.size() == 1 ? mine.get(0) : null;

        List<Executable> checks = new ArrayList<>();
        Throwable handlerFailure = thrown;
        SQSBatchResponse answer = response;
        // (a) reported failed, so SQS redelivers it and then moves it to the DLQ; nothing dropped
        checks.add(() -> {
            assertNull(handlerFailure, () -> "the handler threw " + handlerFailure
                    + " instead of reporting the message failed (the whole batch would be retried)");
            assertEquals(List.of(messageId), answer.getBatchItemFailures().stream()
                    .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList(),
                    "the message must be reported failed; log: " + lines);
        });
        // (b) no cluster
        checks.add(() -> assertEquals(List.of(), clusters().stream().map(ClusterSummary::name).toList(),
                "no cluster may be started"));
        // (c) one log line for the message, naming the field
        checks.add(() -> {
            assertNotNull(line, "expected exactly one log line ending with message=" + messageId + ", got " + lines);
            assertTrue(namesField(input, line), "the log line must name '" + input.field() + "': " + printable(line));
        });
        // (d) no raw control character, no seeded password
        checks.add(() -> {
            for (String l : lines) {
                assertFalse(l.chars().anyMatch(BadInputIT::isControl),
                        "raw control character in log line: " + printable(l));
                assertFalse(l.contains(PASSWORD) || l.contains(OTHER_PASSWORD),
                        "seeded password in log line: " + printable(l));
            }
        });
        // (e) the ledger
        if (input.family() == Family.DEFINITION) {
            checks.add(() -> {
                Optional<Versioned<RunRecord>> stored = ledger.read(input.job(), messageId);
                assertTrue(stored.isPresent(), "no run record at " + Ledger.recordKey(input.job(), messageId)
                        + "; ledger holds " + ledgerKeys(""));
                RunRecord record = stored.get().value();
                assertEquals(RunState.LAUNCH_FAILED, record.state());
                assertNotNull(record.failure(), "the run record has no failure");
                assertEquals(RunRecord.INVALID_DEFINITION, record.failure().code());
                assertTrue(problemsName(record.failure().message(), input.job(), input.field()),
                        "the failure message must name '" + input.field() + "': " + printable(record.failure().message()));
                assertFalse(record.failure().message().contains(PASSWORD), "seeded password in the run record");
                assertEquals(List.of(), ledgerKeys("open/"), "a run that cannot launch is not left open");
            });
        } else {
            checks.add(() -> assertEquals(List.of(), ledgerKeys("runs/"), "nothing may be claimed for a bad request"));
            checks.add(() -> assertEquals(List.of(), ledgerKeys("open/"), "nothing may be opened for a bad request"));
        }

        String named = line == null ? (thrown == null ? "(no line)" : "(threw " + thrown.getClass().getSimpleName() + ")")
                : namedField(input, line);
        try {
            assertAll(input.name(), checks.stream());
            SUMMARY.add(new String[] {input.name(), input.field(), named, "pass"});
        } catch (AssertionError e) {
            SUMMARY.add(new String[] {input.name(), input.field(), named, "FAIL"});
            throw e;
        }
    }

    /** {@code launch rejected: <field>: ...} for a request; {@code ... job '<job>': <field>: ...} for a definition. */
    private static boolean namesField(Case input, String line) {
        if (input.family() == Family.REQUEST) {
            return line.startsWith("launch rejected: " + input.field() + ": ");
        }
        return line.startsWith("launch invalid definition job=" + input.job() + " ")
                && problemsName(line, input.job(), input.field());
    }

    /** Whether one of the problems after {@code job '<job>': } (joined by "; ") starts with {@code <field>:}. */
    private static boolean problemsName(String text, String job, String field) {
        String marker = "job '" + job + "': ";
        int at = text.indexOf(marker);
        if (at < 0) {
            return false;
        }
        return Arrays.stream(text.substring(at + marker.length()).split("; "))
                .anyMatch(p -> p.startsWith(field + ": "));
    }

    /** The field the line actually names, for the summary. */
    private static String namedField(Case input, String line) {
        String rest;
        String rejected = "launch rejected: ";
        int job = line.indexOf("job '" + input.job() + "': ");
        if (line.startsWith(rejected)) {
            rest = line.substring(rejected.length());
        } else if (input.job() != null && job >= 0) {
            rest = line.substring(job + ("job '" + input.job() + "': ").length());
        } else {
            int colon = line.indexOf(": ");
            return "(" + printable(colon < 0 ? line : line.substring(0, colon)) + ")";
        }
        int colon = rest.indexOf(": ");
        return printable(colon < 0 ? rest : rest.substring(0, colon));
    }

    private static boolean isControl(int c) {
        return Character.getType(c) == Character.CONTROL;
    }

    /** For failure messages: control characters shown as \\uXXXX, long text cut. */
    private static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (isControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.length() > 400 ? out.substring(0, 400) + "..." : out.toString();
    }

    @AfterAll
    static void printSummary() {
        if (SUMMARY.isEmpty()) {
            return;
        }
        int width = SUMMARY.stream().mapToInt(r -> r[0].length()).max().orElse(10);
        int fieldWidth = Math.max(14, SUMMARY.stream().mapToInt(r -> r[1].length()).max().orElse(10));
        int namedWidth = Math.max(14, SUMMARY.stream().mapToInt(r -> Math.min(40, r[2].length())).max().orElse(10));
        String format = "%-3s %-" + width + "s  %-" + fieldWidth + "s  %-" + namedWidth + "s  %s%n";
        StringBuilder table = new StringBuilder();
        table.append(String.format("%nBadInputIT corpus: %d cases, %d passed, %d failed%n", SUMMARY.size(),
                SUMMARY.stream().filter(r -> r[3].equals("pass")).count(),
                SUMMARY.stream().filter(r -> !r[3].equals("pass")).count()));
        table.append(String.format(format, "#", "case", "expected field", "field named", "result"));
        int i = 1;
        for (String[] row : SUMMARY) {
            String named = row[2].length() > 40 ? row[2].substring(0, 37) + "..." : row[2];
            table.append(String.format(format, i++, row[0], row[1], named, row[3]));
        }
        System.out.print(table);
    }
}
