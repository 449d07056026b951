package dev.emringest.cluster;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;

/**
 * One step as it ran (or the bootstrap actions together).
 *
 * @param state        {@code COMPLETED}, {@code FAILED} or {@code CANCELLED} (never started because an earlier step
 *                     or a bootstrap action failed: exit code -1, no output, no log, no times)
 * @param output       what it printed (stdout and stderr), also in {@code log}
 * @param log          its log file under the cluster's {@code logs/}
 * @param commandLines every process command line seen on the machine while it ran ({@code /proc/<pid>/cmdline})
 */
public record StepRun(String name, String state, int exitCode, String output, Path log, Set<String> commandLines,
                      Instant started, Instant ended) {

    public static final String COMPLETED = "COMPLETED";
    public static final String FAILED = "FAILED";
    public static final String CANCELLED = "CANCELLED";

    public StepRun {
        commandLines = Set.copyOf(commandLines);
    }

    static StepRun cancelled(String name) {
        return new StepRun(name, CANCELLED, -1, "", null, Set.of(), null, null);
    }

    public boolean completed() {
        return COMPLETED.equals(state);
    }
}
