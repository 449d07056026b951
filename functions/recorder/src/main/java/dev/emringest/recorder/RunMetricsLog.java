package dev.emringest.recorder;

import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import dev.emringest.logs.MetricLine;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A run state's metrics as one Embedded Metric Format line in the function's log, by stack and by stack and job, and
 * the announcer's lines. Written to the runtime's logger: the services that announce states have no invocation
 * context at hand.
 */
final class RunMetricsLog {

    private RunMetricsLog() {}

    /** @param out where each line goes: {@link #write} in the function */
    static RunAnnouncer.MetricsOut to(String stack, Consumer<String> out) {
        return (job, runKey, at, metrics) -> {
            MetricLine line = MetricLine.at(at.toEpochMilli()).dimensions("Stack").dimensions("Stack", "Job")
                    .property("Stack", stack).property("Job", job).property("runKey", runKey);
            metrics.forEach(m -> line.metric(m.name(), m.unit(), m.value()));
            out.accept(line.json());
        };
    }

    /** A JSON line to the runtime's logger, unwrapped (the byte[] path, as {@link dev.emringest.logs.LogLine}'s). */
    static void write(String json) {
        LambdaRuntime.getLogger().log(json.getBytes(StandardCharsets.UTF_8));
    }
}
