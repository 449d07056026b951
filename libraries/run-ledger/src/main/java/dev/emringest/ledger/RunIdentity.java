package dev.emringest.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run as EMR sees it, the one rule both functions share: the launcher names and tags the cluster with it, the
 * recorder finds the run again from a cluster's name and tags. Every retry of a run computes the same identity.
 *
 * @param clusterName {@code <stack>-<job>-<runId>}
 * @param runId       a short alphanumeric hash of (job, run key): safe in cluster names and Kite-friendly in paths
 */
public record RunIdentity(String stack, String job, String runKey, String clusterName, String runId) {

    public static final String TAG_STACK = "emr-ingest:stack";
    public static final String TAG_JOB = "emr-ingest:job";
    public static final String TAG_RUN_KEY = "emr-ingest:run-key";

    public static RunIdentity of(String stack, String job, String runKey) {
        String runId = runId(job, runKey);
        return new RunIdentity(stack, job, runKey, clusterNamePrefix(stack) + job + "-" + runId, runId);
    }

    /** What every cluster name of the stack starts with (the recorder's EventBridge rule filters on it too). */
    public static String clusterNamePrefix(String stack) {
        return stack + "-";
    }

    /** The cluster's tags that name its run: stack, job and run key. */
    public Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put(TAG_JOB, job);
        tags.put(TAG_RUN_KEY, runKey);
        tags.put(TAG_STACK, stack);
        return tags;
    }

    private static String runId(String job, String runKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((job + "\n" + runKey).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
