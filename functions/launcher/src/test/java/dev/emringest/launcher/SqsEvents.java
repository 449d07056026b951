package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.List;

/** SQS batches as the event source mapping hands them to {@link SqsHandler}. */
final class SqsEvents {

    private SqsEvents() {}

    static SQSEvent.SQSMessage message(String id, String body) {
        SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
        message.setMessageId(id);
        message.setBody(body);
        message.setEventSource("aws:sqs");
        return message;
    }

    static SQSEvent batch(List<SQSEvent.SQSMessage> messages) {
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        return event;
    }

    /** A batch of one message. */
    static SQSEvent of(String id, String body) {
        return batch(List.of(message(id, body)));
    }
}
