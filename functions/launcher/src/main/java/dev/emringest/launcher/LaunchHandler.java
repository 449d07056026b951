package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * What the launcher's entry points share: the service they hand each request to, the event read and the answer
 * written as JSON by the launcher's own reader, and the log lines of a launch that did not complete. An event that is
 * not JSON fails the invocation. Public, as the runtime calls {@code handleRequest} on the public handler classes.
 */
public abstract class LaunchHandler implements RequestStreamHandler {

    final LaunchService launches;
    private final String stackName;

    /** @param stackName the stack the metrics are for */
    LaunchHandler(LaunchService launches, String stackName) {
        this.launches = launches;
        this.stackName = stackName;
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) {
        Map<String, Object> event;
        try {
            event = JsonDocuments.readEvent(input);
        } catch (JsonDocuments.NotJsonException e) {
            LaunchLog.rejected("input: " + e.getMessage(), null, null).write(context);
            throw new InvalidRequestException("input: " + e.getMessage());
        }
        JsonDocuments.writeAnswer(output, answer(event, context));
    }

    /** The invocation's answer to a parsed event. */
    abstract Map<String, ?> answer(Map<String, Object> event, Context context);

    /** Logs a launch that threw; a deferral is counted too ({@code LaunchesDeferred}). */
    final void failed(LaunchRequest request, RuntimeException e, String messageId, Context context) {
        LaunchLog.failed(request, e, messageId).write(context);
        if (e instanceof RunInProgressException) {
            LaunchLog.deferred(stackName, request, System.currentTimeMillis()).write(context);
        }
    }
}
