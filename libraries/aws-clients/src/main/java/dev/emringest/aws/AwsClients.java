package dev.emringest.aws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryUtils;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Builds every AWS client the functions use, so region, HTTP client, retries, timeouts and endpoint
 * overrides are decided once. Clients share one lightweight HTTP client (no Netty, no Apache).
 */
public final class AwsClients {

    /**
     * A call, retries included, gives up well inside the functions' 60 s timeout, so the handler can still record
     * the error and answer (SQS: report the message failed) instead of being cut off.
     */
    public static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofSeconds(15);
    /** How long one attempt may wait for the service's answer: the HTTP client's read timeout. */
    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    private final SdkHttpClient http;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final URI endpoint;
    private final boolean pathStyle;
    private final Duration apiCallTimeout;

    private AwsClients(Region region, AwsCredentialsProvider credentials, URI endpoint, boolean pathStyle,
                       Duration apiCallTimeout, Duration readTimeout) {
        this.http = http(Duration.ofSeconds(3), readTimeout);
        this.region = region;
        this.credentials = credentials;
        this.endpoint = endpoint;
        this.pathStyle = pathStyle;
        this.apiCallTimeout = apiCallTimeout;
    }

    /**
     * Lambda's own settings: the region from {@code AWS_REGION}; endpoints from the SDK's
     * {@code AWS_ENDPOINT_URL} / {@code AWS_ENDPOINT_URL_<SERVICE>} variables, which it reads itself.
     */
    public static AwsClients fromEnvironment(Map<String, String> env) {
        String region = env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"));
        if (region == null || region.isBlank()) {
            throw new IllegalStateException("AWS_REGION is not set");
        }
        // A local endpoint (moto, LocalStack) serves buckets by path, not by virtual host.
        boolean local = env.containsKey("AWS_ENDPOINT_URL") || env.containsKey("AWS_ENDPOINT_URL_S3");
        return new AwsClients(Region.of(region), credentials(env), null, local,
                DEFAULT_API_CALL_TIMEOUT, DEFAULT_ATTEMPT_TIMEOUT);
    }

    /**
     * Where Lambda puts the function's credentials, without probing a provider chain (profiles, web identity,
     * instance metadata): under SnapStart the container credentials endpoint
     * ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI}, read at the first call, after the restore), otherwise the
     * access-key variables. The SDK's default chain is left for runs outside Lambda that set neither.
     */
    static AwsCredentialsProvider credentials(Map<String, String> env) {
        if (present(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI") || present(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
            return ContainerCredentialsProvider.builder().build();
        }
        if (present(env, "AWS_ACCESS_KEY_ID")) {
            return EnvironmentVariableCredentialsProvider.create();
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private static boolean present(Map<String, String> env, String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    /**
     * The JDK's HttpURLConnection, each connection with the given timeouts. HTTPS uses the JDK's default SSL
     * socket factory, created at the first HTTPS connection; the SDK's own factory would build an SSL context
     * (reading the trust store, about 120 ms) when the client is built, before anything needs it.
     */
    private static SdkHttpClient http(Duration connectTimeout, Duration readTimeout) {
        int connectMillis = (int) connectTimeout.toMillis();
        int readMillis = (int) readTimeout.toMillis();
        return UrlConnectionHttpClient.create(uri -> {
            try {
                HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
                connection.setConnectTimeout(connectMillis);
                connection.setReadTimeout(readMillis);
                return connection;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Every service at one endpoint, as moto server or a WireMock proxy serves them in tests and local runs. */
    public static AwsClients forEndpoint(URI endpoint, String region, AwsCredentialsProvider credentials,
                                         Duration apiCallTimeout, Duration readTimeout) {
        return new AwsClients(Region.of(region), credentials, endpoint, true, apiCallTimeout, readTimeout);
    }

    public EmrClient emr() {
        return configure(EmrClient.builder(), AwsRetryStrategy.standardRetryStrategy()).build();
    }

    /**
     * EMR for calls that must not be repeated blindly (RunJobFlow has no idempotency token): retried only when EMR
     * answered that it throttled the call, which means it did nothing. A timeout or a 5xx may have started a
     * cluster, so those surface to the caller, whose next attempt looks for the cluster before starting another.
     */
    public EmrClient emrWithoutBlindRetries() {
        // useClientDefaults(false): otherwise the SDK adds its own conditions (I/O errors, 5xx) to this strategy.
        return configure(EmrClient.builder(), StandardRetryStrategy.builder()
                .useClientDefaults(false)
                .maxAttempts(4)
                .retryOnException(AwsClients::throttled)
                .treatAsThrottling(AwsClients::throttled)
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelayHalfJitter(
                        Duration.ofMillis(200), Duration.ofSeconds(5)))
                .build()).build();
    }

    private static boolean throttled(Throwable e) {
        return e instanceof SdkException sdk && RetryUtils.isThrottlingException(sdk);
    }

    /**
     * A client built at its first use, then shared: for calls off the common path (a cold start then builds only
     * the clients its first invocation needs).
     */
    public <C> Supplier<C> lazily(Function<AwsClients, C> client) {
        return new Supplier<>() {
            private C built;

            @Override
            public synchronized C get() {
                if (built == null) {
                    built = client.apply(AwsClients.this);
                }
                return built;
            }
        };
    }

    public SsmClient ssm() {
        return configure(SsmClient.builder(), AwsRetryStrategy.standardRetryStrategy()).build();
    }

    public EventBridgeClient eventBridge() {
        return configure(EventBridgeClient.builder(), AwsRetryStrategy.standardRetryStrategy()).build();
    }

    public SchedulerClient scheduler() {
        return configure(SchedulerClient.builder(), AwsRetryStrategy.standardRetryStrategy()).build();
    }

    /**
     * Checksums only where S3 requires them, and no aws-chunked uploads: the functions' objects are small documents
     * sent over TLS, and the defaults (a CRC32 trailer on every upload; over plain HTTP, as to a local endpoint,
     * every chunk signed) cost more than the call itself.
     */
    public S3Client s3() {
        return configure(S3Client.builder(), AwsRetryStrategy.standardRetryStrategy()).forcePathStyle(pathStyle)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    private <B extends AwsClientBuilder<B, ?> & software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<B, ?>>
            B configure(B builder, RetryStrategy retries) {
        builder.region(region)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(retries)
                        // An attempt is bounded by the HTTP client's connect and read timeouts: the SDK's own
                        // attempt timer would add a scheduled task to every call (about 0.1 ms each, warm).
                        .apiCallTimeout(apiCallTimeout)
                        .build());
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }
}
