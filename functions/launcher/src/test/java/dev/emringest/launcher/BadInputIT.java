package dev.emringest.launcher;

import static dev.emringest.launcher.BadInputs.*;
import static dev.emringest.launcher.RejectionLines.*;
import static java.util.stream.Stream.concat;
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
import dev.emringest.logs.LoggedLines;
import jakarta.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.s3.model.S3Object;

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

    private static final List<String[]> SUMMARY = new CopyOnWriteArrayList<>();

    private AwsClients aws;
    private EmrClient emr;
    private LaunchService launches;
    private Ledger ledger;
    private LoggedContext context;

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
        SQSBatchResponse response = SqsEvents.deliver(new SqsHandler(launches, ExampleAccount.STACK),
                message(UUID.randomUUID().toString(), "{\"job\": \"base\", \"runKey\": \"manual-1\"}"), context);
        assertTrue(response.getBatchItemFailures().isEmpty(), context.lines().toString());
        assertEquals(1, clusters().size());
        assertEquals(RunState.LAUNCHED, ledger.read("base", "manual-1").orElseThrow().value().state());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("dev.emringest.launcher.BadInputs#corpus")
    void aBadInputFailsTheMessageNamesTheFieldAndLaunchesNothing(Case input) {
        input.ssm().forEach((name, value) -> ExampleAccount.put(aws.ssm(), name, value));
        String messageId = UUID.randomUUID().toString();

        SQSBatchResponse response = null;
        Throwable thrown = null;
        try {
            response = SqsEvents.deliver(new SqsHandler(launches, ExampleAccount.STACK), message(messageId, input.body()), context);
        } catch (Throwable t) {
            thrown = t;
        }
        List<String> lines = context.lines();
        List<JsonObject> mine = LoggedLines.logLines(lines).stream()
                .filter(l -> l.getString("message").endsWith(" message=" + messageId)).toList();
        String line = mine.size() == 1 ? mine.get(0).getString("message") : null;
        String outcome = mine.size() == 1 ? mine.get(0).getString("outcome", null) : null;

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
            assertEquals(input.family() == Family.REQUEST ? "REJECTED" : "LAUNCH_FAILED", outcome, line);
            assertEquals(messageId, mine.get(0).getString("messageId"), line);
        });
        // (d) no raw control character, no seeded password: in the lines, nor in their messages once read
        checks.add(() -> {
            for (String l : concat(lines.stream(), LoggedLines.messages(lines).stream()).toList()) {
                assertFalse(l.chars().anyMatch(RejectionLines::isControl),
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
                // The reconcile announces it (the launcher announces nothing), then it leaves the index.
                assertEquals(List.of("open/" + input.job() + "/" + messageId), ledgerKeys("open/"),
                        "a run that cannot launch is open until announced");
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
