package dev.emringest.ledger;

/** A run's life: claimed, launched, running, then one terminal state that never changes again. */
public enum RunState {
    CLAIMED(0), LAUNCHED(1), RUNNING(2), SUCCEEDED(3), FAILED(3), LAUNCH_FAILED(3),
    /** A scheduled run of an incremental job that found another run of the job in flight: never launched. */
    SKIPPED(3);

    private final int rank;

    RunState(int rank) {
        this.rank = rank;
    }

    public boolean terminal() {
        return rank == 3;
    }

    /** Whether moving from this state to {@code next} is progress; late or repeated events are not. */
    public boolean precedes(RunState next) {
        return next.rank > rank;
    }
}
