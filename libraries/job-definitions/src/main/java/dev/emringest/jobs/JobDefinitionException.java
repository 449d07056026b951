package dev.emringest.jobs;

import java.util.List;

/** A job definition that is missing, unreadable or invalid; the message names the job and every bad field. */
public final class JobDefinitionException extends RuntimeException {

    private final String job;
    private final List<String> problems;

    public JobDefinitionException(String job, List<String> problems) {
        super("job '" + job + "': " + String.join("; ", problems));
        this.job = job;
        this.problems = List.copyOf(problems);
    }

    public String job() {
        return job;
    }

    /** Each entry reads {@code field: what is wrong}. */
    public List<String> problems() {
        return problems;
    }
}
