package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinitionException;
import dev.emringest.json.InputErrors;
import dev.emringest.logs.LogLine;
import dev.emringest.logs.MetricLine;

/**
 * The launcher's log lines, one per request: fields an operator searches by ({@code job}, {@code runKey},
 * {@code outcome}, {@code clusterId}, and an SQS message's {@code messageId}) beside the message as it always read.
 * The outcome is the launch's ({@link LaunchService.Outcome}), or {@code REJECTED} (a request that can never launch),
 * {@code DEFERRED} (another attempt holds the run), {@code LAUNCH_FAILED} (an invalid definition) or {@code ERROR} (the
 * attempt failed and is retried).
 * Run states are counted where the ledger records them, not here; a deferral has its own metric.
 */
final class LaunchLog {

    private LaunchLog() {}

    /** @param messageId the SQS message's, or null for a schedule */
    static LogLine launched(LaunchService.Result result, String messageId) {
        return LogLine.info("launch " + result.outcome() + " job=" + result.job() + " runKey=" + result.runKey()
                        + " cluster=" + result.clusterName()
                        + (result.clusterId() == null ? "" : " clusterId=" + result.clusterId()) + of(messageId))
                .field("job", result.job()).field("runKey", result.runKey()).field("outcome", result.outcome().name())
                .field("clusterId", result.clusterId()).field("messageId", messageId);
    }

    /** @param request the request, when it was read before it was found impossible */
    static LogLine rejected(String reason, LaunchRequest request, String messageId) {
        return LogLine.warn("launch rejected: " + reason + of(messageId))
                .field("job", request == null ? null : request.job())
                .field("runKey", request == null ? null : request.runKey())
                .field("outcome", "REJECTED").field("messageId", messageId);
    }

    static LogLine failed(LaunchRequest request, RuntimeException e, String messageId) {
        String text;
        String outcome;
        if (e instanceof RunInProgressException) {
            text = "deferred";
            outcome = "DEFERRED";
        } else if (e instanceof JobDefinitionException) {
            text = "invalid definition";
            outcome = "LAUNCH_FAILED";
        } else {
            text = "failed (" + e.getClass().getSimpleName() + ")";
            outcome = "ERROR";  // this attempt's, retried; FAILED is a run's state
        }
        String message = "launch " + text + " job=" + request.job() + " runKey=" + request.runKey() + ": "
                + e.getMessage() + of(messageId);
        // A deferral is the trigger's retry at work: worth counting, not an error.
        LogLine line = e instanceof RunInProgressException ? LogLine.info(message) : LogLine.error(message);
        return line.field("job", request.job()).field("runKey", request.runKey()).field("outcome", outcome)
                .field("messageId", messageId);
    }

    /** {@code LaunchesDeferred} = 1, per stack and per stack and job. */
    static MetricLine deferred(String stack, LaunchRequest request, long epochMillis) {
        return MetricLine.at(epochMillis).dimensions("Stack").dimensions("Stack", "Job")
                .property("Stack", stack).property("Job", request.job()).property("runKey", request.runKey())
                .metric("LaunchesDeferred", MetricLine.Unit.COUNT, 1);
    }

    private static String of(String messageId) {
        return messageId == null ? "" : " message=" + InputErrors.printable(messageId);
    }
}
