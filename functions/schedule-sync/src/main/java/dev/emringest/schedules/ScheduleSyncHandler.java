package dev.emringest.schedules;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point for SSM's "Parameter Store Change" events about job definitions and for the periodic sync: either way,
 * one full pass, which is idempotent (the events carry no value, and a lost one is repaired by the next pass). A pass
 * whose Scheduler calls failed for some job fails the invocation after the other jobs were synced, so Lambda retries
 * it and then parks it in the trigger DLQ.
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
        report.invalid().forEach((job, reason) ->
                context.getLogger().log("schedule sync: invalid definition, its schedule is kept as it is: " + reason));
        report.failed().forEach((job, reason) ->
                context.getLogger().log("schedule sync FAILED job=" + job + ": " + reason));
        context.getLogger().log("schedule sync trigger=" + trigger + " created=" + report.created() + " updated="
                + report.updated() + " deleted=" + report.deleted() + " unchanged=" + report.unchanged()
                + " invalid=" + report.invalid().size() + " failed=" + report.failed().size());
        context.getLogger().log(ScheduleMetrics.line(stackName, report, clock.millis()));
        if (!report.failed().isEmpty()) {
            throw new IllegalStateException("schedule sync: Scheduler failed for " + report.failed().keySet()
                    + "; the other jobs were synced, and the next pass retries these");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("trigger", trigger);
        answer.put("created", report.created());
        answer.put("updated", report.updated());
        answer.put("deleted", report.deleted());
        answer.put("unchanged", report.unchanged());
        answer.put("invalid", report.invalid());
        JsonDocuments.writeAnswer(output, answer);
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
