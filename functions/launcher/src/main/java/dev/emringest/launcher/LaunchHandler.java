package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.json.JsonDocuments;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * What the launcher's entry points share: the service they hand each request to, and the event read and the answer
 * written as JSON by the launcher's own reader. An event that is not JSON fails the invocation. Public, as the
 * runtime calls {@code handleRequest} on the public handler classes.
 */
public abstract class LaunchHandler implements RequestStreamHandler {

    final LaunchService launches;

    LaunchHandler(LaunchService launches) {
        this.launches = launches;
    }

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) {
        Map<String, Object> event;
        try {
            event = JsonDocuments.readEvent(input);
        } catch (JsonDocuments.NotJsonException e) {
            context.getLogger().log("launch rejected: input: " + e.getMessage());
            throw new InvalidRequestException("input: " + e.getMessage());
        }
        JsonDocuments.writeAnswer(output, answer(event, context));
    }

    /** The invocation's answer to a parsed event. */
    abstract Map<String, ?> answer(Map<String, Object> event, Context context);
}
