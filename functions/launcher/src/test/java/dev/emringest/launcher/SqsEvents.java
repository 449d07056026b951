package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.emringest.json.JsonDocuments;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SQS batches as the event source mapping hands them to {@link SqsHandler}: built as typed messages for the tests'
 * convenience, delivered as the JSON Lambda sends, and the handler's JSON answer read back.
 */
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

    /** One invocation of the handler with {@code event}, as its JSON. */
    static SQSBatchResponse deliver(SqsHandler handler, SQSEvent event, Context context) {
        return deliver(handler, json(event), context);
    }

    /** One invocation with the event's JSON text; the answer's {@code batchItemFailures}, as the runtime reads it. */
    @SuppressWarnings("unchecked")
    static SQSBatchResponse deliver(SqsHandler handler, String event, Context context) {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), answer, context);
        Map<String, Object> read = JsonDocuments.readEvent(new ByteArrayInputStream(answer.toByteArray()));
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (Object failure : (List<Object>) read.get("batchItemFailures")) {
            failures.add(new SQSBatchResponse.BatchItemFailure(
                    (String) ((Map<String, Object>) failure).get("itemIdentifier")));
        }
        return new SQSBatchResponse(failures);
    }

    /** The event in Lambda's field names ({@code Records}, {@code messageId}, ...), fields left unset omitted. */
    static String json(SQSEvent event) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("messageId", m.getMessageId());
            record.put("receiptHandle", m.getReceiptHandle());
            record.put("body", m.getBody());
            record.put("attributes", m.getAttributes() == null ? Map.of() : m.getAttributes());
            record.put("messageAttributes", Map.of());
            record.put("md5OfBody", m.getMd5OfBody());
            record.put("eventSource", m.getEventSource());
            record.put("eventSourceARN", m.getEventSourceArn());
            record.put("awsRegion", m.getAwsRegion());
            record.values().removeIf(v -> v == null);
            records.add(record);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonDocuments.writeAnswer(out, Map.of("Records", records));
        return out.toString(StandardCharsets.UTF_8);
    }
}
