package dev.emringest.recorder;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point for the reconcile schedule (every 15 minutes): finalises runs whose EMR events were lost. */
public final class ReconcileHandler implements RequestHandler<Map<String, Object>, Map<String, Integer>> {

    private final ReconcileService reconcile;

    public ReconcileHandler() {
        this(ReconcileService.fromEnvironment(System.getenv()));
    }

    public ReconcileHandler(ReconcileService reconcile) {
        this.reconcile = reconcile;
    }

    @Override
    public Map<String, Integer> handleRequest(Map<String, Object> input, Context context) {
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
