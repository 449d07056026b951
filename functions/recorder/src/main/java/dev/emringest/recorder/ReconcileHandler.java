package dev.emringest.recorder;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.crac.Resource;

/**
 * Entry point for the reconcile schedule (every 15 minutes): finalises runs whose EMR events were lost. The
 * schedule's input carries nothing it needs; a stream handler, so the runtime never deserialises it.
 */
public final class ReconcileHandler implements RequestStreamHandler, Resource {

    private final ReconcileService reconcile;

    public ReconcileHandler() {
        this(ReconcileService.fromEnvironment(System.getenv()));
        SnapStart.registerIfActive(this);
    }

    /** SnapStart priming: round-trips ledger records in memory. No AWS call, nothing unique. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        dev.emringest.ledger.Ledger.prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection, credential or unique value was made before the snapshot.
    }

    public ReconcileHandler(ReconcileService reconcile) {
        this.reconcile = reconcile;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        JsonDocuments.writeAnswer(output, handle(null, context));
    }

    /** One reconcile pass; {@code input} (the schedule's event) is not used. */
    public Map<String, Integer> handle(Map<String, Object> input, Context context) {
        ReconcileService.Summary s = reconcile.reconcile();
        context.getLogger().log("reconcile open=" + s.open() + " finalised=" + s.finalised() + " adopted="
                + s.adopted() + " launchFailed=" + s.launchFailed() + " closed=" + s.closed()
                + " unchanged=" + s.unchanged());
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
