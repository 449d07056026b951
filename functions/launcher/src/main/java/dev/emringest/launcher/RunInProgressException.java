package dev.emringest.launcher;

/** Another attempt holds a fresh claim on this run and may be launching right now: try again later. */
public final class RunInProgressException extends RuntimeException {
    public RunInProgressException(String message) {
        super(message);
    }
}
