package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinitionException;

/** The launcher's log lines: one per request, with the fields an operator searches by. */
final class LaunchLog {

    private LaunchLog() {}

    static String launched(LaunchService.Result result) {
        return "launch " + result.outcome() + " job=" + result.job() + " runKey=" + result.runKey()
                + " cluster=" + result.clusterName() + (result.clusterId() == null ? "" : " clusterId=" + result.clusterId());
    }

    static String failed(LaunchRequest request, RuntimeException e) {
        String kind = e instanceof JobDefinitionException ? "invalid definition"
                : e instanceof RunInProgressException ? "deferred" : "failed (" + e.getClass().getSimpleName() + ")";
        return "launch " + kind + " job=" + request.job() + " runKey=" + request.runKey() + ": " + e.getMessage();
    }
}
