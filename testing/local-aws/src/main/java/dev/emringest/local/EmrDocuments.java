package dev.emringest.local;

import java.util.List;
import java.util.Map;

/**
 * EMR's API documents (JSON 1.1, as the EMR API reference shows them) for {@link EmrStub}: a cluster with its status,
 * reason and tags, and steps with their failure details. EMR's timestamps are epoch seconds with a fraction.
 */
public final class EmrDocuments {

    private static final double CREATED = 1764036005.123;
    private static final double ENDED = 1764038467.5;

    private EmrDocuments() {}

    /** The tags the launcher gives a run's cluster (stack, job, run key), and one of the operator's. */
    public static List<Map<String, Object>> tags(String stack, String job, String runKey) {
        return List.of(
                JsonObjects.of("Key", "emr-ingest:stack", "Value", stack),
                JsonObjects.of("Key", "emr-ingest:job", "Value", job),
                JsonObjects.of("Key", "emr-ingest:run-key", "Value", runKey),
                JsonObjects.of("Key", "team", "Value", "data"));
    }

    /** @param code null for a cluster whose status has no reason (an empty {@code StateChangeReason}) */
    public static Map<String, Object> cluster(String id, String name, String state, String code, String message,
                                              List<Map<String, Object>> tags) {
        Map<String, Object> reason = code == null ? JsonObjects.of() : JsonObjects.of("Code", code, "Message", message);
        Map<String, Object> timeline = JsonObjects.of("CreationDateTime", CREATED, "ReadyDateTime", CREATED + 300);
        if (state.startsWith("TERMINATED")) {
            timeline.put("EndDateTime", ENDED);
        }
        return JsonObjects.of(
                "Id", id,
                "Name", name,
                "Status", JsonObjects.of("State", state, "StateChangeReason", reason, "Timeline", timeline),
                "Ec2InstanceAttributes", JsonObjects.of("Ec2SubnetId", "subnet-0abc", "IamInstanceProfile",
                        "teststack-ec2"),
                "LogUri", "s3n://logs/",
                "ReleaseLabel", "emr-7.4.0",
                "AutoTerminate", true,
                "TerminationProtected", false,
                "VisibleToAllUsers", true,
                "Applications", List.of(JsonObjects.of("Name", "Hadoop", "Version", "3.3.6"),
                        JsonObjects.of("Name", "Sqoop", "Version", "1.4.7"),
                        JsonObjects.of("Name", "Spark", "Version", "3.5.2")),
                "Tags", tags,
                "ServiceRole", "teststack-emr-service",
                "NormalizedInstanceHours", 16,
                "MasterPublicDnsName", "ip-10-0-0-12.ec2.internal",
                "ClusterArn", "arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/" + id,
                "StepConcurrencyLevel", 1);
    }

    public static Map<String, Object> step(String id, String name, String state) {
        return step(id, name, state, null);
    }

    /** @param message null when EMR gives none (it often does not) */
    public static Map<String, Object> failedStep(String id, String name, String reason, String message,
                                                 String logFile) {
        Map<String, Object> details = JsonObjects.of("Reason", reason);
        if (message != null) {
            details.put("Message", message);
        }
        details.put("LogFile", logFile);
        return step(id, name, "FAILED", details);
    }

    private static Map<String, Object> step(String id, String name, String state, Map<String, Object> failure) {
        Map<String, Object> timeline = JsonObjects.of("CreationDateTime", CREATED + 1);
        if (!"PENDING".equals(state)) {
            timeline.put("StartDateTime", CREATED + 400);
        }
        if (List.of("COMPLETED", "FAILED", "CANCELLED").contains(state)) {
            timeline.put("EndDateTime", ENDED - 10);
        }
        Map<String, Object> status = JsonObjects.of("State", state, "StateChangeReason", JsonObjects.of(),
                "Timeline", timeline);
        if (failure != null) {
            status.put("FailureDetails", failure);
        }
        return JsonObjects.of(
                "Id", id,
                "Name", name,
                "Config", JsonObjects.of("Jar", "command-runner.jar", "Properties", JsonObjects.of(), "Args",
                        List.of("bash", "-c", "true")),
                "ActionOnFailure", "TERMINATE_CLUSTER",
                "Status", status);
    }
}
