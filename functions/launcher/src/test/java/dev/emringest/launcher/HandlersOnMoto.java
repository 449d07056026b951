package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;

/**
 * The account {@link LauncherIT}'s cases run in: moto seeded with the example account, the launcher wired to it, and
 * its handlers invoked as Lambda invokes them.
 */
abstract class HandlersOnMoto {

    static final MotoServer MOTO = MotoServer.shared();
    static final Path REPO = Path.of("../..");
    static final String PASSWORD = "Kn0wn-Pa55word-7f3e";

    AwsClients aws;
    EmrClient emr;
    LaunchService launches;
    Ledger ledger;
    LoggedContext context;

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        aws = MOTO.clients();
        ExampleAccount.seed(aws, REPO.resolve("examples"), PASSWORD);
        launches = LauncherInit.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                Clock.systemUTC());
        emr = aws.emr();
        ledger = new Ledger(aws.s3(), ExampleAccount.LEDGER_BUCKET);
        context = new LoggedContext("launcher");
    }

    /** The file's bytes through the handler, as Lambda invokes it; its JSON answer as texts. */
    Map<String, String> schedule(String file) {
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        try {
            new ScheduleHandler(launches, ExampleAccount.STACK).handleRequest(Files.newInputStream(REPO.resolve("events").resolve(file)),
                    answer, context);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Map<String, String> texts = new java.util.LinkedHashMap<>();
        dev.emringest.json.JsonDocuments.readEvent(new java.io.ByteArrayInputStream(answer.toByteArray()))
                .forEach((k, v) -> texts.put(k, String.valueOf(v)));
        return texts;
    }

    SQSBatchResponse sqs(SQSEvent event) {
        return SqsEvents.deliver(new SqsHandler(launches, ExampleAccount.STACK), event, context);
    }

    /** {@code events/sqs-batch.json}'s bytes, as Lambda sends them. */
    SQSBatchResponse sqsBatchFile() {
        try {
            return SqsEvents.deliver(new SqsHandler(launches, ExampleAccount.STACK), Files.readString(REPO.resolve("events/sqs-batch.json")),
                    context);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static SQSEvent messages(String... bodies) {
        List<SQSEvent.SQSMessage> records = new java.util.ArrayList<>();
        for (int i = 0; i < bodies.length; i++) {
            records.add(SqsEvents.message("msg-" + i, bodies[i]));
        }
        return SqsEvents.batch(records);
    }

    List<ClusterSummary> clusters() {
        return emr.listClustersPaginator(r -> { }).clusters().stream().toList();
    }
}
