package dev.emringest.cluster;

import java.util.List;
import java.util.Optional;

/** A cluster as it ran: its bootstrap actions (one run together) and each step, in the spec's order. */
public record ClusterRun(StepRun bootstrap, List<StepRun> steps) {

    public ClusterRun {
        steps = List.copyOf(steps);
    }

    /** The bootstrap actions and every step completed. */
    public boolean allCompleted() {
        return bootstrap.completed() && steps.stream().allMatch(StepRun::completed);
    }

    /** What failed first: the bootstrap actions, else the first failed step. */
    public Optional<StepRun> failed() {
        if (StepRun.FAILED.equals(bootstrap.state())) {
            return Optional.of(bootstrap);
        }
        return steps.stream().filter(s -> StepRun.FAILED.equals(s.state())).findFirst();
    }
}
