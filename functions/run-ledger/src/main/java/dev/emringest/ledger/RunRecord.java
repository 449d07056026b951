package dev.emringest.ledger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One run's record, {@code runs/<job>/<runKey>.json} in the ledger. Immutable: every change makes a new record that
 * the ledger writes with compare-and-swap.
 */
public record RunRecord(String job, String runKey, RunState state, String clusterId, String clusterName,
                        String definitionVersion, List<StepOutcome> steps, Failure failure,
                        Instant createdAt, Instant launchedAt, Instant endedAt, Instant updatedAt) {

    public RunRecord {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    /** What one EMR step did; failure fields come from {@code ListSteps} / {@code DescribeStep}. */
    public record StepOutcome(String id, String name, String state, String failureReason, String failureMessage,
                              String logFile) {}

    /** Why a run did not succeed: EMR's reason code and message, and the step that failed if one did. */
    public record Failure(String code, String message, String step) {}

    public static RunRecord claim(String job, String runKey, String clusterName, String definitionVersion, Instant now) {
        return new RunRecord(job, runKey, RunState.CLAIMED, null, clusterName, definitionVersion, List.of(), null,
                now, null, null, now);
    }

    /** The same claim taken over by a later attempt, after the one before it died before launching. */
    public RunRecord reclaimed(Instant now) {
        return new RunRecord(job, runKey, RunState.CLAIMED, clusterId, clusterName, definitionVersion, steps, failure,
                createdAt, launchedAt, endedAt, now);
    }

    public RunRecord launched(String clusterId, Instant now) {
        return new RunRecord(job, runKey, RunState.LAUNCHED, clusterId, clusterName, definitionVersion, steps, null,
                createdAt, now, null, now);
    }

    public RunRecord running(Instant now) {
        return new RunRecord(job, runKey, RunState.RUNNING, clusterId, clusterName, definitionVersion, steps, failure,
                createdAt, launchedAt, null, now);
    }

    public RunRecord ended(RunState finalState, List<StepOutcome> finalSteps, Failure why, Instant now) {
        return new RunRecord(job, runKey, finalState, clusterId, clusterName, definitionVersion, finalSteps, why,
                createdAt, launchedAt, now, now);
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
        return new RunRecord(job, runKey, state, clusterId, clusterName, definitionVersion, updated, failure,
                createdAt, launchedAt, endedAt, now);
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
