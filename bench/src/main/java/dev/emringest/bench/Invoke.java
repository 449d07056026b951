package dev.emringest.bench;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.factories.JacksonFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Function;

/**
 * One cold start of one function, as the Lambda Java runtime performs it, in a fresh JVM (the bench driver starts
 * one per sample): load the handler class, construct it, build its input and output serialisers with the runtime's
 * serialisation library; then two invocations, each deserialising the event, calling {@code handleRequest} and
 * serialising the answer. The first is the cold invocation, the second a warm one. A {@link RequestStreamHandler}
 * gets the event's bytes and writes its answer itself, as the runtime does it: no serialiser is built.
 *
 * <p>Usage: {@code Invoke <handler class> <first event file> <warm event file>}. Prints one line
 * {@code BENCH {...}} on stdout: the wall-clock instant the handler was ready (the driver measures init from the
 * instant it started the process), each invocation's duration and the part of it spent in AWS calls
 * ({@link AwsCallTimer}), and each invocation's answer.
 */
public final class Invoke {

    public static void main(String[] args) throws Exception {
        byte[] first = Files.readAllBytes(Path.of(args[1]));
        byte[] warm = Files.readAllBytes(Path.of(args[2]));

        // Init, as the runtime does it before the first event.
        Class<?> type = Class.forName(args[0]);
        Object instance = type.getDeclaredConstructor().newInstance();
        Function<byte[], Invocation> invoker;
        if (instance instanceof RequestStreamHandler stream) {
            invoker = event -> invoke(stream, event);
        } else {
            @SuppressWarnings("unchecked")
            RequestHandler<Object, Object> handler = (RequestHandler<Object, Object>) instance;
            Type[] io = requestHandlerTypes(type);
            PojoSerializer<Object> input = JacksonFactory.getInstance().getSerializer(io[0]);
            PojoSerializer<Object> output = JacksonFactory.getInstance().getSerializer(io[1]);
            invoker = event -> invoke(handler, input, output, event);
        }
        Instant ready = Instant.now();

        Invocation cold = invoker.apply(first);
        Invocation hot = invoker.apply(warm);

        System.out.println("BENCH {\"ready_epoch_us\":" + (ready.getEpochSecond() * 1_000_000L + ready.getNano() / 1000)
                + ",\"first_ms\":" + cold.millis + ",\"first_aws_ms\":" + cold.awsMillis + ",\"first_calls\":" + cold.calls
                + ",\"warm_ms\":" + hot.millis + ",\"warm_aws_ms\":" + hot.awsMillis + ",\"warm_calls\":" + hot.calls
                + ",\"first_result\":" + cold.answer + ",\"warm_result\":" + hot.answer + "}");
    }

    private record Invocation(double millis, double awsMillis, long calls, String answer) {}

    private static Invocation invoke(RequestHandler<Object, Object> handler, PojoSerializer<Object> input,
                                     PojoSerializer<Object> output, byte[] event) {
        long aws = AwsCallTimer.nanos();
        long calls = AwsCallTimer.calls();
        long start = System.nanoTime();
        Object request = input.fromJson(new ByteArrayInputStream(event));
        Object answer = handler.handleRequest(request, new BenchContext(start));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        output.toJson(answer, body);
        long end = System.nanoTime();
        return new Invocation((end - start) / 1e6, (AwsCallTimer.nanos() - aws) / 1e6, AwsCallTimer.calls() - calls,
                body.toString(StandardCharsets.UTF_8));
    }

    private static Invocation invoke(RequestStreamHandler handler, byte[] event) {
        long aws = AwsCallTimer.nanos();
        long calls = AwsCallTimer.calls();
        long start = System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            handler.handleRequest(new ByteArrayInputStream(event), body, new BenchContext(start));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long end = System.nanoTime();
        return new Invocation((end - start) / 1e6, (AwsCallTimer.nanos() - aws) / 1e6, AwsCallTimer.calls() - calls,
                body.toString(StandardCharsets.UTF_8));
    }

    private static Type[] requestHandlerTypes(Class<?> type) {
        for (Type t : type.getGenericInterfaces()) {
            if (t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                return p.getActualTypeArguments();
            }
        }
        throw new IllegalArgumentException(type + " does not implement RequestHandler<I, O> directly");
    }

    /** The runtime's context: a 60 s deadline (the functions' timeout) and a logger that writes to stderr. */
    private static final class BenchContext implements Context {
        private final long start;

        BenchContext(long start) {
            this.start = start;
        }

        @Override public String getAwsRequestId() { return "bench"; }
        @Override public String getLogGroupName() { return "bench"; }
        @Override public String getLogStreamName() { return "bench"; }
        @Override public String getFunctionName() { return "bench"; }
        @Override public String getFunctionVersion() { return "$LATEST"; }
        @Override public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:123456789012:function:bench"; }
        @Override public CognitoIdentity getIdentity() { return null; }
        @Override public ClientContext getClientContext() { return null; }
        @Override public int getRemainingTimeInMillis() { return (int) (60_000 - (System.nanoTime() - start) / 1_000_000); }
        @Override public int getMemoryLimitInMB() { return 512; }
        @Override public LambdaLogger getLogger() { return Logger.INSTANCE; }
    }

    private enum Logger implements LambdaLogger {
        INSTANCE;

        @Override public void log(String message) { System.err.println(message); }
        @Override public void log(byte[] message) { System.err.println(new String(message, StandardCharsets.UTF_8)); }
    }
}
