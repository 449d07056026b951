package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point for schedules: EventBridge Scheduler's raw input or the classic "Scheduled Event" envelope.
 * A failure is thrown so the asynchronous invocation is retried and then sent to the on-failure destination.
 *
 * <p>A stream handler: the event is read with the launcher's own JSON reader, so the runtime never starts its
 * serialisation library (a second Jackson, about a fifth of a cold start).
 */
public final class ScheduleHandler extends LaunchHandler {

    public ScheduleHandler() {
        this(LauncherInit.fromEnvironment(System.getenv()));
    }

    public ScheduleHandler(LaunchService launches) {
        super(launches);
    }

    @Override
    Map<String, ?> answer(Map<String, Object> event, Context context) {
        return handle(event, context);
    }

    /** One schedule firing: the event as the runtime would have deserialised it. */
    public Map<String, String> handle(Map<String, Object> input, Context context) {
        LaunchRequest request;
        try {
            request = LaunchRequest.fromSchedule(input);
        } catch (InvalidRequestException e) {
            context.getLogger().log("launch rejected: " + e.getMessage());
            throw e;
        }
        try {
            LaunchService.Result result = launches.launch(request);
            context.getLogger().log(LaunchLog.launched(result));
            Map<String, String> answer = new LinkedHashMap<>();
            answer.put("outcome", result.outcome().name());
            answer.put("job", result.job());
            answer.put("runKey", result.runKey());
            answer.put("clusterName", result.clusterName());
            if (result.clusterId() != null) {
                answer.put("clusterId", result.clusterId());
            }
            return answer;
        } catch (RuntimeException e) {
            context.getLogger().log(LaunchLog.failed(request, e));
            throw e;
        }
    }
}
