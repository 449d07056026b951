package dev.emringest.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lambda's Runtime API on a loopback port, as the runtime interface client speaks it: {@code GET .../invocation/next}
 * hands out the next event (long poll), {@code POST .../invocation/{id}/response} or {@code .../error} answers it,
 * {@code POST .../init/error} reports a function that could not start.
 * See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
 */
public final class RuntimeApi implements AutoCloseable {

    private static final String BASE = "/2018-06-01/runtime/";

    /** How one invocation ended; {@code errorType} and an error {@code body} when the runtime called {@code /error}. */
    public record Answer(String requestId, boolean error, String errorType, String body, long deliveredNanos,
                         long answeredNanos) {
        public double millis() {
            return (answeredNanos - deliveredNanos) / 1e6;
        }
    }

    private record Pending(String id, byte[] event, CompletableFuture<Answer> answer, AtomicLong delivered) {}

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Map<String, Pending> inFlight = new ConcurrentHashMap<>();
    private final CompletableFuture<String> initError = new CompletableFuture<>();
    private final AtomicLong firstPoll = new AtomicLong();
    private final String functionArn;
    private final Duration timeout;

    public RuntimeApi(String functionArn, Duration timeout) {
        this.functionArn = functionArn;
        this.timeout = timeout;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(BASE, this::serve);
        server.setExecutor(threads);
        server.start();
    }

    /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API}. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Queues one event; the answer completes when the function answers it. */
    public CompletableFuture<Answer> submit(byte[] event) {
        Pending pending = new Pending(UUID.randomUUID().toString(), event, new CompletableFuture<>(), new AtomicLong());
        initError.thenAccept(message -> pending.answer().completeExceptionally(new IllegalStateException(message)));
        queue.add(pending);
        return pending.answer();
    }

    /** {@link System#nanoTime()} of the runtime's first poll for an event (its init is done then), or 0. */
    public long firstPollNanos() {
        return firstPoll.get();
    }

    /** The body of an {@code /init/error} call, once there was one. */
    public CompletableFuture<String> initError() {
        return initError;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath().substring(BASE.length());
            String method = exchange.getRequestMethod();
            if ("GET".equals(method) && "invocation/next".equals(path)) {
                next(exchange);
            } else if ("POST".equals(method) && "init/error".equals(path)) {
                String body = body(exchange);
                reply(exchange, 202);
                initError.complete("init error " + errorType(exchange) + ": " + body);
            } else if ("POST".equals(method) && path.startsWith("invocation/")
                    && (path.endsWith("/response") || path.endsWith("/error"))) {
                long answered = System.nanoTime();
                String id = path.substring("invocation/".length(), path.lastIndexOf('/'));
                Pending pending = inFlight.remove(id);
                String body = body(exchange);
                if (pending == null) {
                    reply(exchange, 400);
                    return;
                }
                reply(exchange, 202);
                boolean error = path.endsWith("/error");
                pending.answer().complete(new Answer(id, error, error ? errorType(exchange) : null, body,
                        pending.delivered().get(), answered));
            } else {
                reply(exchange, 404);
            }
        }
    }

    private void next(HttpExchange exchange) throws IOException {
        firstPoll.compareAndSet(0, System.nanoTime());
        Pending pending;
        try {
            pending = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(exchange, 500);
            return;
        }
        inFlight.put(pending.id(), pending);
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", "application/json");
        headers.set("Lambda-Runtime-Aws-Request-Id", pending.id());
        headers.set("Lambda-Runtime-Deadline-Ms", String.valueOf(System.currentTimeMillis() + timeout.toMillis()));
        headers.set("Lambda-Runtime-Invoked-Function-Arn", functionArn);
        headers.set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
        pending.delivered().set(System.nanoTime());
        exchange.sendResponseHeaders(200, pending.event().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(pending.event());
        }
    }

    private static String errorType(HttpExchange exchange) {
        return String.valueOf(exchange.getRequestHeaders().getFirst("Lambda-Runtime-Function-Error-Type"));
    }

    private static String body(HttpExchange exchange) throws IOException {
        return new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void reply(HttpExchange exchange, int status) throws IOException {
        exchange.sendResponseHeaders(status, -1);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
