package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point for the launch queue. Each message is launched on its own; only the ids of messages that failed
 * are returned (ReportBatchItemFailures), so they go back to the queue and, after the receive limit, to the DLQ.
 */
public final class SqsHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {

    private final LaunchService launches;

    public SqsHandler() {
        this(LaunchService.fromEnvironment(System.getenv()));
    }

    public SqsHandler(LaunchService launches) {
        this.launches = launches;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSEvent.SQSMessage> messages = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        for (SQSEvent.SQSMessage message : messages) {
            if (!launch(message, context.getLogger())) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }

    /** SQS's SentTimestamp (epoch millis): the same on every redelivery of the message. */
    static java.time.Instant sentAt(SQSEvent.SQSMessage message) {
        String sent = message.getAttributes() == null ? null : message.getAttributes().get("SentTimestamp");
        try {
            return sent == null ? null : java.time.Instant.ofEpochMilli(Long.parseLong(sent));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private boolean launch(SQSEvent.SQSMessage message, LambdaLogger log) {
        String id = " message=" + message.getMessageId();
        LaunchRequest request;
        try {
            request = LaunchRequest.fromSqs(message.getBody(), message.getMessageId(), sentAt(message));
        } catch (InvalidRequestException e) {
            log.log("launch rejected: " + e.getMessage() + id);
            return false;
        }
        try {
            log.log(LaunchLog.launched(launches.launch(request)) + id);
            return true;
        } catch (InvalidRequestException e) {
            // e.g. a backfill window for a job without incremental tables: found once the definition is read
            log.log("launch rejected: " + e.getMessage() + id);
            return false;
        } catch (RuntimeException e) {
            log.log(LaunchLog.failed(request, e) + id);
            return false;
        }
    }
}
