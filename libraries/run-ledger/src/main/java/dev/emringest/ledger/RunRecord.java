package dev.emringest.ledger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One run's record, {@code runs/<job>/<runKey>.json} in the ledger. Immutable: every change makes a new record that
 * the ledger writes with compare-and-swap.
 *
 * @param attempt  the launch attempt that holds the claim: lets an attempt recognise its own write when S3's answer
 *                 was lost and the SDK's retry met its own precondition
 * @param tables   each table's output in this run: where its manifest is and its Iceberg table if it has one (from
 *                 the claim) and, once the run succeeded, how many rows it wrote and its commit to that table
 * @param normalizedInstanceHours EMR's approximation of the cluster's size x time (m1.small hours), once it ended
 * @param history  every state the run was recorded in after its claim, in order: what the run events announce
 * @param announced how many entries of {@code history} have been announced as run events
 */
public record RunRecord(String job, String runKey, RunState state, String attempt, String clusterId,
                        String clusterName, String definitionVersion, List<StepOutcome> steps, Failure failure,
                        Instant createdAt, Instant launchedAt, Instant endedAt, Instant updatedAt,
                        RunWindow window, List<TableOutput> tables, Long normalizedInstanceHours,
                        List<Transition> history, int announced) {

    /** Failure code of a run whose job definition or request could never launch. */
    public static final String INVALID_DEFINITION = "INVALID_DEFINITION";
    /** Failure code of a claim that no attempt turned into a cluster. */
    public static final String NO_CLUSTER = "NO_CLUSTER";
    /** Failure code of a scheduled run of an incremental job skipped because another run of the job was in flight. */
    public static final String SKIPPED_IN_FLIGHT = "SKIPPED_IN_FLIGHT";

    public RunRecord {
        steps = steps == null ? List.of() : List.copyOf(steps);
        tables = tables == null ? List.of() : List.copyOf(tables);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** What one EMR step did; failure fields come from {@code ListSteps} / {@code DescribeStep}. */
    public record StepOutcome(String id, String name, String state, String failureReason, String failureMessage,
                              String logFile) {}

    /** Why a run did not succeed: a reason code and message, and the step that failed if one did. */
    public record Failure(String code, String message, String step) {}

    /**
     * A table of the run and what became of it, from the manifest its Spark application wrote, read when the run ended
     * (whether it succeeded or failed).
     *
     * @param rowsWritten  null until the run ended, and for a table that was not written
     * @param catalogTable the Iceberg table ({@code database.table}) in the Glue Data Catalog for a table target, null
     *                     for files
     * @param commit       the run's commit to that table, null until the run ended (and for files, and for a table
     *                     whose manifest reported none)
     * @param error        why the table failed in this run, as its manifest says; null for a table written, or one
     *                     whose manifest is not there (see the run's steps)
     */
    public record TableOutput(String name, String manifest, Long rowsWritten, String catalogTable, Commit commit,
                              String error) {

        /** A table whose manifest said nothing yet. */
        public TableOutput(String name, String manifest, Long rowsWritten, String catalogTable, Commit commit) {
            this(name, manifest, rowsWritten, catalogTable, commit, null);
        }

        /** A table written as files: no catalog table, no commit. */
        public TableOutput(String name, String manifest, Long rowsWritten) {
            this(name, manifest, rowsWritten, null, null, null);
        }
    }

    /**
     * A run's commit to an Iceberg table, as its Spark job reported it in the table's manifest. When the run had
     * already committed in an earlier attempt, these describe that commit.
     *
     * @param snapshotId the Iceberg snapshot the commit made: any 64-bit value, kept exact (written as a JSON string,
     *                   since JavaScript readers of a JSON number lose precision above 2^53)
     */
    public record Commit(long snapshotId, long addedRows, long updatedRows, long deletedRows) {}

    /** A state the run was recorded in, and when. */
    public record Transition(RunState state, Instant at) {}

    public static RunRecord claim(String job, String runKey, String attempt, String clusterName,
                                  String definitionVersion, Instant now) {
        return new RunRecord(job, runKey, RunState.CLAIMED, attempt, null, clusterName, definitionVersion, List.of(),
                null, now, null, null, now, null, List.of(), null, List.of(), 0);
    }

    /** This record with its window: set in the claim, before any cluster starts. */
    public RunRecord withWindow(RunWindow newWindow) {
        return new RunRecord(job, runKey, state, attempt, clusterId, clusterName, definitionVersion, steps, failure,
                createdAt, launchedAt, endedAt, updatedAt, newWindow, tables, normalizedInstanceHours, history,
                announced);
    }

    /** This record with its tables' outputs: where each table's manifest will be, set in the claim. */
    public RunRecord withTables(List<TableOutput> newTables) {
        return new RunRecord(job, runKey, state, attempt, clusterId, clusterName, definitionVersion, steps, failure,
                createdAt, launchedAt, endedAt, updatedAt, window, newTables, normalizedInstanceHours, history,
                announced);
    }

    /** This record with what its cluster cost and its tables wrote, learnt when it ended. */
    public RunRecord withOutputs(List<TableOutput> newTables, Long instanceHours) {
        return new RunRecord(job, runKey, state, attempt, clusterId, clusterName, definitionVersion, steps, failure,
                createdAt, launchedAt, endedAt, updatedAt, window, newTables, instanceHours, history, announced);
    }

    /** This record once the first {@code count} entries of its history have been announced. */
    public RunRecord withAnnounced(int count) {
        return new RunRecord(job, runKey, state, attempt, clusterId, clusterName, definitionVersion, steps, failure,
                createdAt, launchedAt, endedAt, updatedAt, window, tables, normalizedInstanceHours, history, count);
    }

    /** Whether every state in the history has been announced. */
    public boolean fullyAnnounced() {
        return announced >= history.size();
    }

    /** A run that could not launch at all, e.g. because its job definition is invalid. */
    public static RunRecord launchFailed(String job, String runKey, String attempt, String clusterName, Failure why,
                                         Instant now) {
        return new RunRecord(job, runKey, RunState.LAUNCH_FAILED, attempt, null, clusterName, null, List.of(), why,
                now, null, now, now, null, List.of(), null, List.of(new Transition(RunState.LAUNCH_FAILED, now)), 0);
    }

    /** A scheduled run that was not launched because another run of its incremental job was in flight. */
    public static RunRecord skipped(String job, String runKey, String attempt, String clusterName, Failure why,
                                    Instant now) {
        return new RunRecord(job, runKey, RunState.SKIPPED, attempt, null, clusterName, null, List.of(), why,
                now, null, now, now, null, List.of(), null, List.of(new Transition(RunState.SKIPPED, now)), 0);
    }

    /** The same run claimed again by a later attempt, after the one before it died or could not launch. */
    public RunRecord reclaimed(String newAttempt, String newDefinitionVersion, Instant now) {
        return reclaimed(newAttempt, newDefinitionVersion, window, now);
    }

    /** Reclaimed with a window computed afresh (a run that failed to launch no longer holds its old window). */
    public RunRecord reclaimed(String newAttempt, String newDefinitionVersion, RunWindow newWindow, Instant now) {
        return new RunRecord(job, runKey, RunState.CLAIMED, newAttempt, null, clusterName, newDefinitionVersion,
                List.of(), null, createdAt, null, null, now, newWindow, tables, null, history, announced);
    }

    public RunRecord launched(String id, Instant now) {
        return new RunRecord(job, runKey, RunState.LAUNCHED, attempt, id, clusterName, definitionVersion, steps, null,
                createdAt, now, null, now, window, tables, normalizedInstanceHours, then(RunState.LAUNCHED, now),
                announced);
    }

    public RunRecord running(Instant now) {
        return new RunRecord(job, runKey, RunState.RUNNING, attempt, clusterId, clusterName, definitionVersion, steps,
                failure, createdAt, launchedAt, null, now, window, tables, normalizedInstanceHours,
                then(RunState.RUNNING, now), announced);
    }

    public RunRecord ended(RunState finalState, List<StepOutcome> finalSteps, Failure why, Instant now) {
        return new RunRecord(job, runKey, finalState, attempt, clusterId, clusterName, definitionVersion, finalSteps,
                why, createdAt, launchedAt, now, now, window, tables, normalizedInstanceHours, then(finalState, now),
                announced);
    }

    private List<Transition> then(RunState next, Instant at) {
        List<Transition> longer = new ArrayList<>(history);
        longer.add(new Transition(next, at));
        return longer;
    }

    /**
     * This record with one step's outcome added or replaced (matched by step id). Step events arrive in any order:
     * an outcome never replaces one that is further along (RUNNING never replaces COMPLETED).
     */
    public RunRecord withStep(StepOutcome step, Instant now) {
        List<StepOutcome> updated = new ArrayList<>();
        boolean seen = false;
        for (StepOutcome existing : steps) {
            if (existing.id().equals(step.id())) {
                seen = true;
                if (stepRank(step.state()) <= stepRank(existing.state())) {
                    return this;
                }
                updated.add(step);
            } else {
                updated.add(existing);
            }
        }
        if (!seen) {
            updated.add(step);
        }
        return new RunRecord(job, runKey, state, attempt, clusterId, clusterName, definitionVersion, updated, failure,
                createdAt, launchedAt, endedAt, now, window, tables, normalizedInstanceHours, history, announced);
    }

    /** EMR's step states in the order a step goes through them; the four ends rank alike. */
    static int stepRank(String state) {
        if (state == null) {
            return -1;
        }
        return switch (state) {
            case "PENDING" -> 0;
            case "CANCEL_PENDING" -> 1;
            case "RUNNING" -> 2;
            case "COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED" -> 3;
            default -> -1;
        };
    }
}
