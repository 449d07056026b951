package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Entry point for the launch queue. Each message is launched on its own; only the ids of messages that failed
 * are returned (ReportBatchItemFailures), so they go back to the queue and, after the receive limit, to the DLQ.
 *
 * <p>A stream handler: the event and the {@code SQSBatchResponse} are read and written as JSON here. A typed
 * {@code RequestHandler<SQSEvent, SQSBatchResponse>} makes the runtime's serializer load Joda-Time from the
 * package (aws-lambda-java-libs #72), and start a second Jackson at the first message.
 */
public final class SqsHandler extends LaunchHandler {

    public SqsHandler() {
        this(System.getenv());
    }

    private SqsHandler(Map<String, String> env) {
        this(LauncherInit.fromEnvironment(env), env.get("STACK_NAME"));
    }

    /** Over a given service: tests and the local run. */
    public SqsHandler(LaunchService launches, String stackName) {
        super(launches, stackName);
    }

    /** The {@code SQSBatchResponse}; an event that is not a batch fails, and the whole batch goes back to the queue. */
    @Override
    Map<String, ?> answer(Map<String, Object> event, Context context) {
        List<Map<?, ?>> messages;
        try {
            messages = records(event);
        } catch (InvalidRequestException e) {
            LaunchLog.rejected(e.getMessage(), null, null).write(context);
            throw e;
        }
        return Map.of("batchItemFailures", handle(messages, context));
    }

    /**
     * The batch's messages. An event that is not a batch (no {@code Records}: a direct invocation, a wrong trigger)
     * or a record without a message id cannot be answered message by message, so the invocation fails.
     */
    private static List<Map<?, ?>> records(Map<String, Object> event) {
        Object records = event == null ? null : event.get("Records");
        if (!(records instanceof List<?> list)) {
            throw new InvalidRequestException("Records: must be an array of SQS messages");
        }
        List<Map<?, ?>> messages = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> message) || !(message.get("messageId") instanceof String)) {
                throw new InvalidRequestException("Records[" + i + "].messageId: must be a string");
            }
            messages.add(message);
        }
        return messages;
    }

    /** The failed messages' ids as {@code SQSBatchResponse.batchItemFailures}. */
    private List<Map<String, String>> handle(List<Map<?, ?>> messages, Context context) {
        List<Map<String, String>> failures = new ArrayList<>();
        for (Map<?, ?> message : messages) {
            String id = (String) message.get("messageId");
            if (!launchMessage(id, message, context)) {
                failures.add(Map.of("itemIdentifier", id));
            }
        }
        return failures;
    }

    /** SQS's SentTimestamp (epoch millis): the same on every redelivery of the message. */
    static Instant sentAt(Map<?, ?> message) {
        Object sent = message.get("attributes") instanceof Map<?, ?> attributes ? attributes.get("SentTimestamp") : null;
        try {
            return sent instanceof String millis ? Instant.ofEpochMilli(Long.parseLong(millis)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private boolean launchMessage(String messageId, Map<?, ?> message, Context context) {
        LaunchRequest request;
        try {
            Object body = message.get("body");
            request = LaunchRequest.fromSqs(body instanceof String text ? text : null, messageId, sentAt(message));
        } catch (InvalidRequestException e) {
            LaunchLog.rejected(e.getMessage(), null, messageId).write(context);
            return false;
        }
        try {
            LaunchLog.launched(launches.launch(request), messageId).write(context);
            return true;
        } catch (InvalidRequestException e) {
            // e.g. a backfill window for a job without incremental tables: found once the definition is read
            LaunchLog.rejected(e.getMessage(), request, messageId).write(context);
            return false;
        } catch (RuntimeException e) {
            failed(request, e, messageId, context);
            return false;
        }
    }
}
