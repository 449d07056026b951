package dev.emringest.bench;

import dev.emringest.lambda.ExecutionEnvironment;
import dev.emringest.lambda.RuntimeApi;
import dev.emringest.lambda.SamTemplate;
import dev.emringest.local.ExampleAccount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One cold start of one function as Lambda runs it ({@link ExecutionEnvironment}: the real runtime interface client,
 * a fresh JVM, a Runtime API on loopback), then a warm invocation. The JVM is this driver's own.
 *
 * <p>Usage: {@code ColdStart <template logical id> <extracted package> <runtime lib> <AWS endpoint> <first event>
 * <warm event>}. Prints one line {@code BENCH {...}}: init (JVM start to the runtime's first poll: Lambda's Init
 * Duration), each invocation's duration (event handed out to answer received) and the part of it in AWS calls
 * ({@link AwsCallTimer}), and each answer.
 */
public final class ColdStart {

    public static void main(String[] args) throws IOException {
        SamTemplate.Function function = new SamTemplate(Path.of("template.yaml"), ExampleAccount.stackReferences())
                .function(args[0]);
        Path task = Path.of(args[1]);
        Path lib = Path.of(args[2]);
        Path work = Files.createTempDirectory("cold-start");
        Path calls = work.resolve("aws-calls");
        Files.createFile(calls);
        ExecutionEnvironment.Runtime runtime = new ExecutionEnvironment.Runtime(
                Path.of(System.getProperty("java.home"), "bin", "java"), lib,
                ExecutionEnvironment.extractJni(lib, work));
        warmUp(lib);
        Map<String, String> local = new java.util.HashMap<>(Map.of("AWS_ENDPOINT_URL", args[3],
                "AWS_ACCESS_KEY_ID", "testing", "AWS_SECRET_ACCESS_KEY", "testing", "AWS_SESSION_TOKEN", "testing",
                "BENCH_AWS_CALLS", calls.toString()));
        // What a function's JAVA_TOOL_OPTIONS would add (e.g. -Xlog:class+load to see where init goes)
        String options = System.getenv("BENCH_JAVA_TOOL_OPTIONS");
        if (options != null) {
            local.put("JAVA_TOOL_OPTIONS", options);
        }
        try (ExecutionEnvironment env = ExecutionEnvironment.start(function, task, local, runtime,
                work.resolve("function.log"))) {
            Invocation first = invoke(env, Files.readString(Path.of(args[4])), calls, 0);
            Invocation warm = invoke(env, Files.readString(Path.of(args[5])), calls, first.seen());
            System.out.println("BENCH {\"init_ms\":" + env.initMillis() + ",\"first_ms\":" + first.millis()
                    + ",\"first_aws_ms\":" + first.awsMillis() + ",\"first_calls\":" + first.calls()
                    + ",\"warm_ms\":" + warm.millis() + ",\"warm_aws_ms\":" + warm.awsMillis()
                    + ",\"warm_calls\":" + warm.calls() + ",\"first_result\":" + first.answer()
                    + ",\"warm_result\":" + warm.answer() + ",\"jvm_flags\":\""
                    + String.join(" ", ExecutionEnvironment.jvmFlags(function.memoryMb())) + "\"}");
        }
    }

    /**
     * Lambda's own Runtime API is always warm: this driver's is made so before the function starts (its classes
     * loaded and compiled by a few hundred invocations of a stand-in), then left to settle, so that neither its first
     * answers nor its compiler threads are timed as the function's.
     */
    private static void warmUp(Path lib) {
        try (RuntimeApi api = new RuntimeApi("arn:aws:lambda:us-east-1:123456789012:function:warm-up",
                java.time.Duration.ofSeconds(60))) {
            var http = java.net.http.HttpClient.newHttpClient();
            String base = "http://" + api.address() + "/2018-06-01/runtime/invocation/";
            for (int i = 0; i < 300; i++) {
                var answer = api.submit("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                var next = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "next")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                String id = next.headers().firstValue("Lambda-Runtime-Aws-Request-Id").orElseThrow();
                http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + id + "/response"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
                answer.join();
            }
            Thread.sleep(500);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @param seen how many AWS calls the file held before this invocation */
    private record Invocation(double millis, double awsMillis, int calls, int seen, String answer) {}

    private static Invocation invoke(ExecutionEnvironment env, String event, Path calls, int before)
            throws IOException {
        RuntimeApi.Answer answer = env.invoke(event);
        if (answer.error()) {
            throw new IllegalStateException("the function answered with /error " + answer.errorType() + ": "
                    + answer.body() + "\n" + env.output());
        }
        List<String> lines = Files.readAllLines(calls);
        long nanos = lines.subList(before, lines.size()).stream().mapToLong(Long::parseLong).sum();
        return new Invocation(answer.millis(), nanos / 1e6, lines.size() - before, lines.size(), answer.body());
    }
}
