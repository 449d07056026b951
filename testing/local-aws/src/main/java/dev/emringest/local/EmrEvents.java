package dev.emringest.local;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * EMR's EventBridge events as the recorder receives them: "EMR Cluster State Change", whose
 * {@code detail.stateChangeReason} is itself a JSON string, and "EMR Step Status Change", which carries no cluster
 * name and no failure details. Each is returned as the plain values a JSON reader makes of the event's text.
 */
public final class EmrEvents {

    /** The reason EMR sends with a state that has none, an empty code. */
    public static final String NO_REASON = "{\"code\":\"\"}";

    private EmrEvents() {}

    public static Map<String, Object> clusterStateChange(String clusterId, String name, String state,
                                                         String reasonJson) {
        return envelope("EMR Cluster State Change", JsonObjects.of(
                "severity", "TERMINATED_WITH_ERRORS".equals(state) ? "ERROR" : "INFO",
                "stateChangeReason", reasonJson,
                "name", name,
                "clusterId", clusterId,
                "state", state,
                "message", "Amazon EMR Cluster " + clusterId + " (" + name + ") is " + state + "."));
    }

    public static Map<String, Object> stepStatusChange(String clusterId, String stepId, String stepName,
                                                       String state) {
        return envelope("EMR Step Status Change", JsonObjects.of(
                "severity", "FAILED".equals(state) ? "ERROR" : "INFO",
                "actionOnFailure", "TERMINATE_CLUSTER",
                "stepId", stepId,
                "name", stepName,
                "clusterId", clusterId,
                "state", state,
                "message", "Step " + stepId + " (" + stepName + ") in Amazon EMR cluster " + clusterId + " is "
                        + state + "."));
    }

    /** {@code detail.stateChangeReason}: a JSON string, e.g. {@code {"code":"USER_REQUEST","message":"..."}}. */
    public static String reason(String code, String message) {
        return JsonObjects.text(JsonObjects.of("code", code, "message", message));
    }

    private static Map<String, Object> envelope(String detailType, Map<String, Object> detail) {
        return JsonObjects.parse(JsonObjects.text(JsonObjects.of(
                "version", "0",
                "id", UUID.randomUUID().toString(),
                "detail-type", detailType,
                "source", "aws.emr",
                "account", "123456789012",
                "time", "2026-11-25T02:31:07Z",
                "region", MotoServer.REGION,
                "resources", List.of(),
                "detail", detail)));
    }
}
