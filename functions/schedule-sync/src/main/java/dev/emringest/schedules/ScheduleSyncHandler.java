package dev.emringest.schedules;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import dev.emringest.logs.LogLine;
import dev.emringest.logs.MetricLine;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point for SSM's "Parameter Store Change" events about job definitions and for the periodic sync: either way,
 * one full pass, which is idempotent (the events carry no value, and a lost one is repaired by the next pass). A pass
 * whose Scheduler calls failed for some job fails the invocation after the other jobs were synced, so Lambda retries
 * it and then parks it in the trigger DLQ. A pass logs a line per invalid or failed job, a summary, and its counts as
 * metrics (an EMF line).
 */
public final class ScheduleSyncHandler implements RequestStreamHandler {

    private final ScheduleSync sync;
    private final String stackName;
    private final Clock clock;

    public ScheduleSyncHandler() {
        this(ScheduleSyncWiring.fromEnvironment(System.getenv()), Clock.systemUTC());
    }

    public ScheduleSyncHandler(ScheduleSyncWiring wiring, Clock clock) {
        this.sync = wiring.sync();
        this.stackName = wiring.stackName();
        this.clock = clock;
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        Map<String, Object> event = JsonDocuments.readEvent(input);
        String trigger = trigger(event);
        ScheduleSync.Report report = sync.sync();
        report.invalid().forEach((job, reason) -> LogLine.warn(
                "schedule sync: invalid definition, its schedule is kept as it is: " + reason)
                .field("job", job).field("outcome", "INVALID").write(context));
        report.failed().forEach((job, reason) -> LogLine.error("schedule sync FAILED job=" + job + ": " + reason)
                .field("job", job).field("outcome", "FAILED").write(context));
        LogLine.info("schedule sync trigger=" + trigger + " created=" + report.created() + " updated="
                        + report.updated() + " deleted=" + report.deleted() + " unchanged=" + report.unchanged()
                        + " invalid=" + report.invalid().size() + " failed=" + report.failed().size()
                        + " freshness=" + report.freshness())
                .field("trigger", trigger).field("created", report.created().size())
                .field("updated", report.updated().size()).field("deleted", report.deleted().size())
                .field("unchanged", report.unchanged()).field("invalid", report.invalid().size())
                .field("failed", report.failed().size()).field("freshness", report.freshness().size())
                .write(context);
        metrics(stackName, report, clock.millis()).write(context);
        if (!report.failed().isEmpty()) {
            throw new IllegalStateException("schedule sync: failed for " + report.failed().keySet()
                    + "; the other jobs were synced, and the next pass retries these");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("trigger", trigger);
        answer.put("created", report.created());
        answer.put("updated", report.updated());
        answer.put("deleted", report.deleted());
        answer.put("unchanged", report.unchanged());
        answer.put("invalid", report.invalid());
        answer.put("freshness", report.freshness());
        JsonDocuments.writeAnswer(output, answer);
    }

    /** A pass's counts, per stack. */
    static MetricLine metrics(String stack, ScheduleSync.Report report, long epochMillis) {
        return MetricLine.at(epochMillis).dimensions("Stack").property("Stack", stack)
                .metric("SchedulesCreated", MetricLine.Unit.COUNT, report.created().size())
                .metric("SchedulesUpdated", MetricLine.Unit.COUNT, report.updated().size())
                .metric("SchedulesDeleted", MetricLine.Unit.COUNT, report.deleted().size())
                .metric("InvalidJobDefinitions", MetricLine.Unit.COUNT, report.invalid().size())
                .metric("ScheduleSyncFailures", MetricLine.Unit.COUNT, report.failed().size());
    }

    /** What started this pass, for the log: the parameter an SSM event names, else the periodic sync. */
    static String trigger(Map<String, Object> event) {
        if (event != null && "Parameter Store Change".equals(event.get("detail-type"))
                && event.get("detail") instanceof Map<?, ?> detail) {
            return detail.get("operation") + " " + detail.get("name");
        }
        return "periodic";
    }
}
