package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunWindow;
import java.time.Instant;

/** The launcher's own window logic, opened to the contract tests (its classes are package-private). */
public final class LauncherWindows {

    private LauncherWindows() {}

    /** {@code Windows.regular} with the manifests {@code ClusterRequestBuilder} points the Spark job at. */
    public static RunWindow regular(JobDefinition definition, JobState state, Instant trigger,
                                    ClusterRequestBuilder.Run run) {
        return Windows.regular(definition, state, trigger,
                table -> ClusterRequestBuilder.manifest(definition, table, run, trigger));
    }
}
