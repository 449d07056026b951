package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.JobFreshness;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunRecord.Transition;
import dev.emringest.ledger.RunState;
import dev.emringest.logs.LogLine;
import dev.emringest.logs.MetricLine;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The "Run State Change" events that announce a run's recorded states, one per entry of its history, and the
 * metrics each state counts in. Pure: the record alone decides both (schema: {@code docs/run-state-change.schema.json}).
 */
final class RunEvents {

    static final String SOURCE = "emr-ingest";
    static final String RUN_STATE_CHANGE = "Run State Change";
    static final String JOB_STALE = "Job Stale";

    private RunEvents() {}

    /** The detail of the event announcing {@code run.history().get(index)}. */
    static String detail(String stack, RunRecord run, int index) {
        Transition t = run.history().get(index);
        // Fields of how the run ended belong to the event of that end only, not to earlier states announced late.
        boolean end = t.state().terminal() && t.state() == run.state() && index == run.history().size() - 1;
        JsonObjectBuilder d = JsonDocuments.JSON.createObjectBuilder()
                .add("eventKey", run.job() + "/" + run.runKey() + "/" + t.state().name())
                .add("stack", stack).add("job", run.job()).add("runKey", run.runKey())
                .add("state", t.state().name());
        if (index > 0) {
            d.add("previousState", run.history().get(index - 1).state().name());
        } else {
            d.addNull("previousState");
        }
        d.add("at", t.at().toString());
        text(d, "clusterId", run.clusterId());
        text(d, "clusterName", run.clusterName());
        text(d, "definitionVersion", run.definitionVersion());
        text(d, "createdAt", run.createdAt());
        text(d, "launchedAt", run.launchedAt());
        if (end) {
            text(d, "endedAt", run.endedAt());
            if (run.launchedAt() != null && run.endedAt() != null) {
                d.add("durationSeconds", Duration.between(run.launchedAt(), run.endedAt()).toSeconds());
            }
            if (run.failure() != null) {
                JsonObjectBuilder failure = JsonDocuments.JSON.createObjectBuilder();
                text(failure, "code", run.failure().code());
                text(failure, "message", run.failure().message());
                text(failure, "step", run.failure().step());
                text(failure, "logFile", logFile(run));
                d.add("failure", failure);
            }
            if (run.normalizedInstanceHours() != null) {
                d.add("normalizedInstanceHours", run.normalizedInstanceHours());
            }
            // Succeeded or failed, each table says what became of it: which were written, and why others were not.
            if (t.state() == RunState.SUCCEEDED || t.state() == RunState.FAILED) {
                JsonArrayBuilder tables = JsonDocuments.JSON.createArrayBuilder();
                for (RunRecord.TableOutput table : run.tables()) {
                    JsonObjectBuilder o = JsonDocuments.JSON.createObjectBuilder().add("name", table.name());
                    if (table.rowsWritten() != null) {
                        o.add("rowsWritten", table.rowsWritten());
                    }
                    text(o, "catalogTable", table.catalogTable());
                    text(o, "error", table.error());
                    if (table.commit() != null) {
                        RunRecord.Commit c = table.commit();
                        // As text: readers that parse JSON numbers as doubles (JavaScript) lose digits above 2^53.
                        o.add("commit", JsonDocuments.JSON.createObjectBuilder()
                                .add("snapshotId", Long.toString(c.snapshotId())).add("addedRows", c.addedRows())
                                .add("updatedRows", c.updatedRows()).add("deletedRows", c.deletedRows()));
                    }
                    tables.add(o);
                }
                d.add("tables", tables);
            }
        }
        return d.build().toString();
    }

    /** The detail of the event announcing that {@code state}'s job went stale; one per stale period. */
    static String jobStale(String stack, JobFreshness freshness, JobState state) {
        JsonObjectBuilder d = JsonDocuments.JSON.createObjectBuilder()
                .add("eventKey", freshness.job() + "/stale/" + state.staleSince())
                .add("stack", stack).add("job", freshness.job())
                .add("maxAgeMinutes", freshness.maxAgeMinutes())
                .add("staleSince", state.staleSince().toString());
        if (state.lastSucceededAt() != null) {
            d.add("lastSucceededAt", state.lastSucceededAt().toString());
        } else {
            d.addNull("lastSucceededAt");
        }
        return d.build().toString();
    }

    /**
     * The log line of an announced state, {@code outcome} the state: one line per state a run went through, which
     * the failure queries count. ERROR for a run that failed.
     */
    static LogLine logLine(RunRecord run, int index) {
        RunState state = run.history().get(index).state();
        boolean end = state == run.state() && index == run.history().size() - 1;
        RunRecord.Failure failure = end ? run.failure() : null;
        String message = "run " + state + " job=" + run.job() + " runKey=" + run.runKey()
                + (run.clusterId() == null ? "" : " clusterId=" + run.clusterId())
                + (failure == null ? "" : ": " + failure.code() + " " + failure.message()
                        + (failure.step() == null ? "" : " (step " + failure.step() + ")"));
        LogLine line = state == RunState.FAILED || state == RunState.LAUNCH_FAILED ? LogLine.error(message)
                : LogLine.info(message);
        return line.field("job", run.job()).field("runKey", run.runKey()).field("outcome", state.name())
                .field("clusterId", run.clusterId())
                .field("failureCode", failure == null ? null : failure.code())
                .field("failedStep", failure == null ? null : failure.step())
                .field("logFile", failure == null ? null : logFile(run));
    }

    /** A metric a state counts in. */
    record Metric(String name, MetricLine.Unit unit, long value) {}

    /**
     * What announcing {@code run.history().get(index)} adds to the metrics: each run counts once in its end's
     * metric, with its duration, rows and instance hours; LAUNCHED and RUNNING count in none.
     */
    static List<Metric> metrics(RunRecord run, int index) {
        RunState state = run.history().get(index).state();
        List<Metric> metrics = new ArrayList<>();
        switch (state) {
            case SUCCEEDED -> metrics.add(new Metric("RunsSucceeded", MetricLine.Unit.COUNT, 1));
            case FAILED -> metrics.add(new Metric("RunsFailed", MetricLine.Unit.COUNT, 1));
            case LAUNCH_FAILED -> metrics.add(new Metric("RunsLaunchFailed", MetricLine.Unit.COUNT, 1));
            case SKIPPED -> metrics.add(new Metric("LaunchesSkipped", MetricLine.Unit.COUNT, 1));
            default -> {
                return metrics;
            }
        }
        boolean end = state == run.state() && index == run.history().size() - 1;
        if (end && run.launchedAt() != null && run.endedAt() != null) {
            metrics.add(new Metric("RunDuration", MetricLine.Unit.SECONDS,
                    Duration.between(run.launchedAt(), run.endedAt()).toSeconds()));
        }
        if (end && run.normalizedInstanceHours() != null) {
            metrics.add(new Metric("NormalizedInstanceHours", MetricLine.Unit.NONE, run.normalizedInstanceHours()));
        }
        if (end && state == RunState.SUCCEEDED) {
            metrics.add(new Metric("RowsWritten", MetricLine.Unit.COUNT, run.tables().stream()
                    .filter(t -> t.rowsWritten() != null).mapToLong(RunRecord.TableOutput::rowsWritten).sum()));
        }
        return metrics;
    }

    /** The failed step's log file, as EMR reported it. */
    private static String logFile(RunRecord run) {
        if (run.failure() == null || run.failure().step() == null) {
            return null;
        }
        return run.steps().stream().filter(s -> run.failure().step().equals(s.name()) && s.logFile() != null)
                .map(StepOutcome::logFile).findFirst().orElse(null);
    }

    private static void text(JsonObjectBuilder o, String name, Object value) {
        if (value instanceof Instant || value instanceof String) {
            o.add(name, value.toString());
        }
    }
}
