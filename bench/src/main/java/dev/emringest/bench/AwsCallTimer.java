package dev.emringest.bench;

import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Time spent in AWS calls: from the moment the SDK hands a signed request to the HTTP client until the response
 * comes back, summed over every attempt of every call. Registered as a global interceptor by the bench jar's
 * {@code software/amazon/awssdk/global/handlers/execution.interceptors}, so the functions' code is unchanged.
 * What is left of an invocation's time after this is the function's own work (and the SDK's around the wire).
 */
public final class AwsCallTimer implements ExecutionInterceptor {

    private static final AtomicLong NANOS = new AtomicLong();
    private static final AtomicLong CALLS = new AtomicLong();
    private static final ExecutionAttribute<Long> SENT = new ExecutionAttribute<>("bench.sent");

    public static long nanos() {
        return NANOS.get();
    }

    public static long calls() {
        return CALLS.get();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        attributes.putAttribute(SENT, System.nanoTime());
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        Long sent = attributes.getAttribute(SENT);
        if (sent != null) {
            NANOS.addAndGet(System.nanoTime() - sent);
            CALLS.incrementAndGet();
        }
    }
}
