package dev.emringest.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A Lambda context for local invocations whose logger keeps every line, so tests can read what was logged. */
public final class LoggedContext implements Context, LambdaLogger {

    private final String functionName;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Consumer<String> echo;

    public LoggedContext(String functionName) {
        this(functionName, line -> { });
    }

    /** @param echo also receives each line, e.g. {@code System.out::println} for a local run */
    public LoggedContext(String functionName, Consumer<String> echo) {
        this.functionName = functionName;
        this.echo = echo;
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void log(String message) {
        lines.add(message);
        echo.accept(message);
    }

    @Override
    public void log(byte[] message) {
        log(new String(message, StandardCharsets.UTF_8));
    }

    @Override
    public String getAwsRequestId() {
        return UUID.randomUUID().toString();
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:" + MotoServer.REGION + ":123456789012:function:" + functionName;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return 60_000;
    }

    @Override
    public int getMemoryLimitInMB() {
        return 1024;
    }

    @Override
    public LambdaLogger getLogger() {
        return this;
    }
}
