package dev.emringest.recorder;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

    static final JsonMapper JSON = JsonMapper.builder().build();

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
            JsonNode node = JSON.readTree(text);
            return new Reason(node.path("code").asString(""), node.path("message").asString(""));
        } catch (JacksonException e) {
            return new Reason("", text);
        }
    }

    private static String string(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }
}
