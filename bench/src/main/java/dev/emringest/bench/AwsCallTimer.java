package dev.emringest.bench;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Time spent in AWS calls: from the moment the SDK hands a signed request to the HTTP client until the response
 * comes back, one line of nanoseconds per attempt appended to the file {@code BENCH_AWS_CALLS} names. The bench puts
 * this class in a jar of its own in the extracted package's {@code lib/}, where the runtime's class loader finds it
 * beside the SDK, which registers it as a global interceptor ({@code software/amazon/awssdk/global/handlers/
 * execution.interceptors}); the functions' code is unchanged. The driver reads the file after each invocation.
 */
public final class AwsCallTimer implements ExecutionInterceptor {

    private static final ExecutionAttribute<Long> SENT = new ExecutionAttribute<>("bench.sent");
    private static FileOutputStream out;

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(SENT, System.nanoTime());
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Long sent = attributes.getAttribute(SENT);
        if (sent != null) {
            write(System.nanoTime() - sent);
        }
    }

    private static synchronized void write(long nanos) {
        try {
            if (out == null) {
                out = new FileOutputStream(System.getenv("BENCH_AWS_CALLS"), true);
            }
            out.write((nanos + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
