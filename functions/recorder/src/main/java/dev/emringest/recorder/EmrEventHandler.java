package dev.emringest.recorder;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import dev.emringest.logs.LogLine;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point for EMR's "EMR Cluster State Change" and "EMR Step Status Change" events from EventBridge.
 * The input is the raw EventBridge envelope: EMR's detail has no class in aws-lambda-java-events. A stream
 * handler: the recorder reads the event with its own JSON reader, so the runtime never starts its serialisation
 * library.
 */
public final class EmrEventHandler implements RequestStreamHandler {

    private final RecordService records;

    public EmrEventHandler() {
        this(RecorderWiring.fromEnvironment(System.getenv()).records());
        SnapStartPriming.registerIfActive();
    }

    public EmrEventHandler(RecordService records) {
        this.records = records;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        JsonDocuments.writeAnswer(output, handle(event(input), context));
    }

    /** The event as plain values; an event that is not a JSON object is refused, naming why. */
    private static Map<String, Object> event(InputStream input) {
        try {
            return JsonDocuments.readEvent(input);
        } catch (JsonDocuments.NotJsonException e) {
            throw new IllegalArgumentException("input: " + e.getMessage(), e);
        }
    }

    /** One event, as the runtime would have deserialised it. */
    public Map<String, String> handle(Map<String, Object> input, Context context) {
        EmrEvent event = EmrEvent.from(input);
        RecordService.Result result = records.record(event);
        String line = "record " + result.outcome() + " " + event.kind() + " cluster=" + event.clusterId()
                + " state=" + event.state() + (event.stepId() == null ? "" : " step=" + event.stepId());
        if (result.record() != null) {
            line += " job=" + result.record().job() + " runKey=" + result.record().runKey()
                    + " run=" + result.record().state();
            if (result.record().failure() != null) {
                line += " reason=" + result.record().failure().code()
                        + (result.record().failure().step() == null ? "" : " failedStep=" + result.record().failure().step());
            }
        }
        Map<String, String> answer = new LinkedHashMap<>();
        answer.put("outcome", result.outcome().name());
        if (result.record() != null) {
            answer.put("job", result.record().job());
            answer.put("runKey", result.record().runKey());
            answer.put("state", result.record().state().name());
        }
        // The answer's fields are the ones to search the log by, with the cluster.
        LogLine logged = LogLine.info(line + ": " + result.why());
        answer.forEach(logged::field);
        logged.field("clusterId", event.clusterId()).write(context);
        if (result.unannounced() != null) {
            // Recorded all the same; the reconcile announces what is left within 15 minutes.
            LogLine.warn("record announce deferred job=" + answer.get("job") + " runKey=" + answer.get("runKey")
                    + ": " + result.unannounced()).field("job", answer.get("job")).field("runKey", answer.get("runKey"))
                    .field("outcome", "ANNOUNCE_DEFERRED").write(context);
        }
        return answer;
    }
}
