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
            LogLine.error("reconcile FAILED job=" + f.job() + " runKey=" + f.runKey() + ": " + f.reason())
                    .field("job", f.job()).field("runKey", f.runKey()).field("outcome", "FAILED").write(context);
        }
        LogLine.info("reconcile open=" + s.open() + " finalised=" + s.finalised() + " adopted=" + s.adopted()
                        + " launchFailed=" + s.launchFailed() + " closed=" + s.closed() + " unchanged=" + s.unchanged()
                        + " failed=" + s.failed().size())
                .field("open", s.open()).field("finalised", s.finalised()).field("adopted", s.adopted())
                .field("launchFailed", s.launchFailed()).field("closed", s.closed()).field("unchanged", s.unchanged())
                .field("failed", s.failed().size()).write(context);
        if (!s.failed().isEmpty()) {
            throw new IllegalStateException("reconcile: " + s.failed().size() + " of " + s.open()
                    + " open runs failed, the others were reconciled: " + s.failed());
        }
        Map<String, Integer> answer = new LinkedHashMap<>();
        answer.put("open", s.open());
        answer.put("finalised", s.finalised());
        answer.put("adopted", s.adopted());
        answer.put("launchFailed", s.launchFailed());
        answer.put("closed", s.closed());
        answer.put("unchanged", s.unchanged());
        return answer;
    }
}
