package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.logs.LoggedLines;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The queue entry point's contract with the SQS event source mapping, bytes in and bytes out: only the failed
 * messages' ids come back; an event that cannot be answered message by message fails the whole invocation, so the
 * batch goes back to the queue (and on to its DLQ) and nothing is dropped.
 */
class SqsHandlerTest {

    private final LaunchFixture fixture = new LaunchFixture();
    private final LoggedContext context = new LoggedContext("QueueLaunchFunction");

    private String invoke(String event) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        new SqsHandler(fixture.service, ExampleAccount.STACK).handleRequest(
                new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), answer, context);
        return answer.toString(StandardCharsets.UTF_8);
    }

    private static String message(String id, String body) {
        return "{\"messageId\": \"" + id + "\", \"body\": " + body + ", \"attributes\": {\"SentTimestamp\": \"1764036000000\"},"
                + " \"eventSource\": \"aws:sqs\"}";
    }

    @Test
    void aBatchAnswersOnlyTheFailedMessagesIds() {
        String answer = invoke("{\"Records\": [" + message("m-1", "\"{\\\"job\\\": \\\"orders\\\"}\"") + ", "
                + message("m-2", "\"{\\\"job\\\": \"") + ", " + message("m-3", "\"{\\\"job\\\": \\\"nope\\\"}\"") + "]}");

        assertEquals("{\"batchItemFailures\":[{\"itemIdentifier\":\"m-2\"},{\"itemIdentifier\":\"m-3\"}]}", answer);
        assertEquals(1, fixture.emr.runJobFlows.size(), "only the good message launched");
        assertTrue(LoggedLines.messages(context.lines()).stream().anyMatch(
                l -> l.startsWith("launch rejected: body: not valid JSON") && l.endsWith(" message=m-2")),
                context.lines().toString());
    }

    @Test
    void anEmptyBatchAnswersNoFailure() {
        assertEquals("{\"batchItemFailures\":[]}", invoke("{\"Records\": []}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no Records         | {}                                          | Records: must be an array",
            "Records misspelt   | {\"records\": []}                           | Records: must be an array",
            "Records not a list | {\"Records\": \"m-1\"}                      | Records: must be an array",
            "no messageId       | {\"Records\": [{\"body\": \"{}\"}]}         | Records[0].messageId: must be a string",
            "messageId a number | {\"Records\": [{\"messageId\": 7}]}         | Records[0].messageId: must be a string",
            "empty event        | ''                                          | Records: must be an array",
            "not JSON           | {\"Records\": [                             | input: not valid JSON"})
    void anEventThatIsNotABatchFailsTheInvocationNamingTheField(String name, String event, String field) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> invoke(event));

        assertTrue(e.getMessage().startsWith(field), e.getMessage());
        assertEquals(List.of("launch rejected: " + e.getMessage()), LoggedLines.messages(context.lines()));
        assertEquals(0, fixture.emr.runJobFlows.size());
    }
}
