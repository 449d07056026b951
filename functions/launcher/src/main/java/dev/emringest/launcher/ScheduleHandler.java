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
        this(System.getenv());
    }

    private ScheduleHandler(Map<String, String> env) {
        this(LauncherInit.fromEnvironment(env), env.get("STACK_NAME"));
    }

    /** Over a given service: tests and the local run. */
    public ScheduleHandler(LaunchService launches, String stackName) {
        super(launches, stackName);
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
            LaunchLog.rejected(e.getMessage(), null, null).write(context);
            throw e;
        }
        try {
            LaunchService.Result result = launches.launch(request);
            LaunchLog.launched(result, null).write(context);
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
            failed(request, e, null, context);
            throw e;
        }
    }
}
