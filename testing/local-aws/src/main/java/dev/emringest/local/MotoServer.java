package dev.emringest.local;

import dev.emringest.aws.AwsClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A moto server process on a free loopback port: the local AWS for integration tests and the local run.
 * It fails loudly when moto cannot start; no test runs without it.
 */
public final class MotoServer implements AutoCloseable {

    public static final String REGION = "us-east-1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static MotoServer shared;

    private final Process process;
    private final URI endpoint;
    private final Path log;
    private final Path recording;

    private MotoServer(Process process, URI endpoint, Path log, Path recording) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
        this.recording = recording;
    }

    /** One server for the whole JVM (tests reset it between cases), stopped when the JVM exits. */
    public static synchronized MotoServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /**
     * Starts moto server through {@code moto_server.py}, which makes S3's conditional writes atomic as they are on
     * AWS ({@code MOTO_PYTHON} names another interpreter than {@code python3}).
     */
    public static MotoServer start() {
        int port = ServerProcesses.freePort();
        try {
            Path log = Files.createTempFile("moto-" + port + "-", ".log");
            // The recorder keeps request bodies (seeded secrets included) in a file: keep it out of the work tree.
            Path recording = Files.createTempFile("moto-" + port + "-", ".recording");
            String python = System.getenv().getOrDefault("MOTO_PYTHON", "python3");
            Path script = Files.createTempFile("moto-server-", ".py");
            try (var in = MotoServer.class.getResourceAsStream("moto_server.py")) {
                Files.write(script, in.readAllBytes());
            }
            script.toFile().deleteOnExit();
            ProcessBuilder builder = new ProcessBuilder(python, script.toString(), "-H", "127.0.0.1", "-p",
                    String.valueOf(port))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("MOTO_RECORDER_FILEPATH", recording.toString());
            Process process = builder.start();
            MotoServer server = new MotoServer(process, URI.create("http://127.0.0.1:" + port), log, recording);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start moto server (pip install 'moto[server]'): " + e.getMessage(), e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing"));
    }

    /** The functions' clients, pointed at this server, with a generous call timeout for a busy test machine. */
    public AwsClients clients() {
        return AwsClients.forEndpoint(endpoint, REGION, credentials(), Duration.ofSeconds(20), Duration.ofSeconds(10));
    }

    /** Forgets every resource, so each test starts from an empty account. */
    public void reset() {
        post("/moto-api/reset");
    }

    /**
     * Creates a Secrets Manager secret in {@link #REGION}, as an operator would: the functions build no Secrets Manager
     * client (the launcher never reads a secret; the cluster reads it with the AWS CLI), so this speaks Secrets
     * Manager's JSON protocol itself.
     */
    public void createSecret(String name, String secretString) {
        String body = JSON.writeValueAsString(Map.of("Name", name, "SecretString", secretString));
        request("POST", "/", body, Map.of("X-Amz-Target", "secretsmanager.CreateSecret",
                "Content-Type", "application/x-amz-json-1.1",
                // moto takes the region from the credential scope
                "Authorization", "AWS4-HMAC-SHA256 Credential=testing/20261130/" + REGION
                        + "/secretsmanager/aws4_request, SignedHeaders=host, Signature=0"));
    }

    /** Starts moto's request recorder: every request from now on is kept, bodies included. */
    public void startRecording() {
        post("/moto-api/recorder/reset-recording");
        post("/moto-api/recorder/start-recording");
    }

    /** One request as moto received it; {@code target} is the JSON protocols' {@code X-Amz-Target}, if any. */
    public record Recorded(String method, String url, String target, String body) {}

    /** What moto received since {@link #startRecording()}, bodies decoded. */
    public List<Recorded> recording() {
        post("/moto-api/recorder/stop-recording");
        List<Recorded> requests = new ArrayList<>();
        for (String line : request("GET", "/moto-api/recorder/download-recording").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode entry = JSON.readTree(line);
            String body = entry.path("body").asString("");
            if (entry.path("body_encoded").asBoolean(false)) {
                body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            }
            requests.add(new Recorded(entry.path("method").asString(), entry.path("url").asString(),
                    entry.path("headers").path("X-Amz-Target").asString(null), body));
        }
        return requests;
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto server exited with " + process.exitValue() + ":\n"
                        + ServerProcesses.logText(log));
            }
            try {
                request("GET", "/moto-api/data.json");
                return;
            } catch (UncheckedIOException notYet) {
                ServerProcesses.pause();
            }
        }
        close();
        throw new IllegalStateException("moto server did not answer within " + START_TIMEOUT + ":\n"
                + ServerProcesses.logText(log));
    }

    private void post(String path) {
        request("POST", path);
    }

    private String request(String method, String path) {
        return request(method, path, null, Map.of());
    }

    private String request(String method, String path, String body, Map<String, String> headers) {
        try {
            HttpURLConnection connection = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
            connection.setRequestMethod(method);
            connection.setConnectTimeout(2000);
            connection.setReadTimeout(30000);
            headers.forEach(connection::setRequestProperty);
            if (body != null) {
                connection.setDoOutput(true);
                try (var out = connection.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            int status = connection.getResponseCode();
            if (status != 200) {
                throw new IllegalStateException(method + " " + path + " answered " + status);
            }
            try (var in = connection.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        ServerProcesses.stop(process, Duration.ofSeconds(5));
        try {
            Files.deleteIfExists(log);
            Files.deleteIfExists(recording);
        } catch (IOException ignored) {
            // a temp file left behind is harmless
        }
    }
}
