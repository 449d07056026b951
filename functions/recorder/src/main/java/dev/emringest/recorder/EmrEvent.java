package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonObject;
import java.util.Map;

/**
 * The fields the recorder uses from EMR's EventBridge events. "EMR Cluster State Change" carries the cluster's
 * name, state and a {@code stateChangeReason} that is itself a JSON string; "EMR Step Status Change" carries the
 * step id and state but no cluster name and no failure details.
 */
public record EmrEvent(Kind kind, String clusterId, String clusterName, String state, String stepId,
                       String stepName, Reason reason) {

    public enum Kind { CLUSTER, STEP, OTHER }

    /** EMR's reason code and message; both may be empty. */
    public record Reason(String code, String message) {
        static final Reason NONE = new Reason("", "");
    }

    public static EmrEvent from(Map<String, Object> event) {
        Object type = event == null ? null : event.get("detail-type");
        Map<?, ?> detail = event != null && event.get("detail") instanceof Map<?, ?> d ? d : Map.of();
        Kind kind = "EMR Cluster State Change".equals(type) ? Kind.CLUSTER
                : "EMR Step Status Change".equals(type) ? Kind.STEP : Kind.OTHER;
        return new EmrEvent(kind, string(detail.get("clusterId")),
                kind == Kind.CLUSTER ? string(detail.get("name")) : null,
                string(detail.get("state")),
                kind == Kind.STEP ? string(detail.get("stepId")) : null,
                kind == Kind.STEP ? string(detail.get("name")) : null,
                reason(detail.get("stateChangeReason")));
    }

    /** {@code "{\"code\":\"USER_REQUEST\",\"message\":\"Terminated by user request\"}"}, or {@code "{\"code\":\"\"}"}. */
    static Reason reason(Object value) {
        if (!(value instanceof String text) || text.isBlank()) {
            return Reason.NONE;
        }
        try {
            if (JsonDocuments.read(text) instanceof JsonObject node) {
                return new Reason(node.getString("code", ""), node.getString("message", ""));
            }
        } catch (JsonDocuments.NotJsonException e) {
            // not JSON: the text is the message
        }
        return new Reason("", text);
    }

    private static String string(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }
}
