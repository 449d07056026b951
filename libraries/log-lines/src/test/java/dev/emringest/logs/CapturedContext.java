package dev.emringest.logs;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A context whose logger keeps what each overload was given: the lines must all go through log(byte[]). */
final class CapturedContext implements Context, LambdaLogger {

    final List<String> bytes = new ArrayList<>();
    final List<String> strings = new ArrayList<>();

    @Override
    public void log(String message) {
        strings.add(message);
    }

    @Override
    public void log(byte[] message) {
        bytes.add(new String(message, StandardCharsets.UTF_8));
    }

    @Override
    public LambdaLogger getLogger() {
        return this;
    }

    @Override
    public String getAwsRequestId() {
        return "req-1";
    }

    @Override
    public String getLogGroupName() {
        return null;
    }

    @Override
    public String getLogStreamName() {
        return null;
    }

    @Override
    public String getFunctionName() {
        return null;
    }

    @Override
    public String getFunctionVersion() {
        return null;
    }

    @Override
    public String getInvokedFunctionArn() {
        return null;
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
        return 0;
    }

    @Override
    public int getMemoryLimitInMB() {
        return 0;
    }
}
