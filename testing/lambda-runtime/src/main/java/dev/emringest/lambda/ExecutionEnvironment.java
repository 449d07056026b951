package dev.emringest.lambda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One function's execution environment as Lambda's managed Java runtime makes it: the deployment package extracted
 * into a task folder (the JVM's working directory, {@code /var/task}), a fresh JVM running the runtime interface
 * client's main class with the handler string and nothing but the runtime's jars on its class path (the client
 * loads the package through its own class loader, as on Lambda), the environment the template gives the function
 * plus Lambda's reserved variables, and a {@link RuntimeApi} on loopback. The JVM is the one running this class
 * ({@link #jvmFlags} depend on its version).
 */
public final class ExecutionEnvironment implements AutoCloseable {

    /** The region the local world plays: Lambda sets it in every function's environment. */
    public static final String REGION = "us-east-1";
    public static final String RUNTIME_MAIN = "com.amazonaws.services.lambda.runtime.api.client.AWSLambda";
    /** The client unpacks its JNI library to one fixed file in /tmp; JVMs started together would overwrite it. */
    private static final String JNI_PROPERTY = "com.amazonaws.services.lambda.runtime.api.client.runtimeapi.NativeClient.JNI";

    /**
     * What starts the function's JVM.
     *
     * @param runtimeLib the runtime's jars (the runtime interface client and what it needs), as in /var/runtime/lib
     * @param jniLibrary the client's JNI library, extracted once ({@link #extractJni})
     */
    public record Runtime(Path java, Path runtimeLib, Path jniLibrary) {}

    private final RuntimeApi api;
    private final Process process;
    private final Path log;
    private final long started;
    private final Duration timeout;

    private ExecutionEnvironment(RuntimeApi api, Process process, Path log, long started, Duration timeout) {
        this.api = api;
        this.process = process;
        this.log = log;
        this.started = started;
        this.timeout = timeout;
    }

    /**
     * Starts the function's JVM.
     *
     * @param task   the package extracted ({@link #extract})
     * @param local  what the local world adds to the environment: the AWS endpoint and credentials
     * @param log    where the JVM's output goes
     */
    public static ExecutionEnvironment start(SamTemplate.Function function, Path task, Map<String, String> local,
                                             Runtime runtime, Path log) {
        Duration timeout = Duration.ofSeconds(function.timeoutSeconds());
        RuntimeApi api = new RuntimeApi("arn:aws:lambda:" + REGION + ":123456789012:function:" + function.name(), timeout);
        List<String> command = new ArrayList<>(List.of(runtime.java().toString()));
        command.addAll(jvmFlags(function.memoryMb()));
        command.addAll(List.of("-D" + JNI_PROPERTY + "=" + runtime.jniLibrary(),
                "-cp", runtime.runtimeLib().toAbsolutePath() + "/*", RUNTIME_MAIN, function.handler()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(task.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        String path = env.getOrDefault("PATH", "/usr/bin:/bin");
        env.clear();
        env.putAll(reserved(function, task, path, api.address()));
        env.putAll(function.environment());
        env.putAll(local);
        long started = System.nanoTime();
        try {
            return new ExecutionEnvironment(api, builder.start(), log, started, timeout);
        } catch (IOException e) {
            api.close();
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The flags Lambda's Java runtime starts the JVM with that change how it starts (C1 only, serial GC, CDS), and
     * the function's memory as the JVM's view of the machine, from which it sizes its heap as in Lambda's microVM.
     */
    public static List<String> jvmFlags(int memoryMb) {
        List<String> flags = new ArrayList<>(List.of("-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xshare:auto", "-XX:MaxRAM=" + memoryMb + "m"));
        if (java.lang.Runtime.version().feature() >= 22) {
            // the client loads its JNI library with System.load, a restricted method since Java 22
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }

    /** What Lambda sets in every Java function's environment (without credentials: the local world gives those). */
    private static Map<String, String> reserved(SamTemplate.Function function, Path task, String path, String api) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", path);
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", ":UTC");
        env.put("_HANDLER", function.handler());
        env.put("AWS_REGION", REGION);
        env.put("AWS_DEFAULT_REGION", REGION);
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_" + function.runtime());
        env.put("AWS_LAMBDA_FUNCTION_NAME", function.name());
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", String.valueOf(function.memoryMb()));
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + function.name());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local");
        env.put("AWS_LAMBDA_RUNTIME_API", api);
        env.put("LAMBDA_TASK_ROOT", task.toAbsolutePath().toString());
        env.put("LAMBDA_RUNTIME_DIR", "/var/runtime");
        // What LoggingConfig's LogFormat JSON and ApplicationLogLevel tell the runtime client.
        if (function.logFormat() != null) {
            env.put("AWS_LAMBDA_LOG_FORMAT", function.logFormat());
        }
        if (function.logLevel() != null) {
            env.put("AWS_LAMBDA_LOG_LEVEL", function.logLevel());
        }
        return env;
    }

    /** Invokes the function with one event and waits for its answer; fails, with the JVM's output, if none comes. */
    public RuntimeApi.Answer invoke(String event) {
        var answer = api.submit(event.getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + timeout.plusSeconds(60).toNanos();
        while (true) {
            try {
                return answer.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the function's JVM exited (" + process.exitValue()
                            + ") without answering" + initError() + "; its output:\n" + output());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no answer within " + timeout.plusSeconds(60) + "; output:\n"
                            + output());
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage() + "; the function's output:\n" + output());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String initError() {
        return api.initError().isDone() ? ": " + api.initError().join() : "";
    }

    /** From starting the JVM to its first poll for an event: Lambda's Init Duration. */
    public double initMillis() {
        long polled = api.firstPollNanos();
        return polled == 0 ? Double.NaN : (polled - started) / 1e6;
    }

    /** What the JVM printed so far (the function's log). */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Extracts a .jar/.zip package into {@code task}, as Lambda extracts one into /var/task. */
    public static Path extract(Path pkg, Path task) {
        try (ZipFile zip = new ZipFile(pkg.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                Path to = task.resolve(entry.getName()).normalize();
                if (!to.startsWith(task)) {
                    throw new IOException("entry outside the package: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(to);
                } else {
                    Files.createDirectories(to.getParent());
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return task;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The runtime interface client's JNI library for this machine, copied out of its jar into {@code dir}. */
    public static Path extractJni(Path runtimeLib, Path dir) {
        String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "aarch_64" : "x86_64";
        String name = "jni/libaws-lambda-jni.linux-" + arch + ".so";
        try (var jars = Files.newDirectoryStream(runtimeLib, "aws-lambda-java-runtime-interface-client*.jar")) {
            for (Path jar : jars) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    ZipEntry entry = zip.getEntry(name);
                    if (entry != null) {
                        Path to = Files.createDirectories(dir).resolve("libaws-lambda-jni.so");
                        try (InputStream in = zip.getInputStream(entry)) {
                            Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
                        }
                        return to;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no runtime interface client with " + name + " in " + runtimeLib);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            api.close();
        }
    }
}
