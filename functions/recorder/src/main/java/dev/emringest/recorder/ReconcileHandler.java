package dev.emringest.recorder;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import dev.emringest.logs.LogLine;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Entry point for the reconcile schedule (every 15 minutes): finalises runs whose EMR events were lost. The
 * schedule's input carries nothing it needs; a stream handler, so the runtime never deserialises it.
 */
public final class ReconcileHandler implements RequestStreamHandler {

    private final ReconcileService reconcile;

    public ReconcileHandler() {
        this(RecorderWiring.fromEnvironment(System.getenv()).reconcile());
        SnapStartPriming.registerIfActive();
    }

    public ReconcileHandler(ReconcileService reconcile) {
        this.reconcile = reconcile;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        JsonDocuments.writeAnswer(output, handle(null, context));
    }

    /**
     * One reconcile pass; {@code input} (the schedule's event) is not used. A run that failed is logged with its key
     * and reason; the pass then fails as a whole, after every other run was reconciled, so that the schedule's
     * dead-letter queue and its alarm see it.
     */
    public Map<String, Integer> handle(Map<String, Object> input, Context context) {
        ReconcileService.Summary s = reconcile.reconcile();
        for (ReconcileService.Failed f : s.failed()) {
            // Not FAILED: that outcome is a run's, and the failure queries count it.
            LogLine.error("reconcile FAILED job=" + f.job() + " runKey=" + f.runKey() + ": " + f.reason())
                    .field("job", f.job()).field("runKey", f.runKey()).field("outcome", "RECONCILE_FAILED")
                    .write(context);
        }
        Map<String, Integer> answer = new LinkedHashMap<>();
        answer.put("open", s.open());
        answer.put("finalised", s.finalised());
        answer.put("adopted", s.adopted());
        answer.put("launchFailed", s.launchFailed());
        answer.put("closed", s.closed());
        answer.put("announced", s.announced());
        answer.put("unchanged", s.unchanged());
        answer.put("stale", s.stale());
        LogLine summary = LogLine.info("reconcile " + answer.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" ")) + " failed=" + s.failed().size());
        answer.forEach(summary::field);
        summary.field("failed", s.failed().size()).write(context);
        if (!s.failed().isEmpty()) {
            throw new IllegalStateException("reconcile: " + s.failed().size() + " failed (of " + s.open()
                    + " open runs and the jobs' freshness), the others were reconciled: " + s.failed());
        }
        return answer;
    }
}
