package dev.emringest.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aws_standin.py}, the node's {@code aws} as {@link StepRunner} installs it (an executable file run by its
 * {@code #!/usr/bin/env python3} line), against moto server: {@code secretsmanager get-secret-value} answers as the
 * real CLI's text output does and fails as it does; any other form fails loudly.
 */
class AwsStandinIT {

    private static final String SECRET = "p@ss w0rd'\"$(x)";
    private static final String NOT_FOUND = "An error occurred (ResourceNotFoundException) when calling the"
            + " GetSecretValue operation: Secrets Manager can't find the specified secret.\n";

    @TempDir
    static Path work;
    static Path aws;
    static MotoServer moto;

    record Result(int exitCode, String stdout, String stderr) {}

    @BeforeAll
    static void installTheStandin() throws IOException {
        moto = MotoServer.shared();
        aws = work.resolve("aws");
        try (InputStream in = StepRunner.class.getResourceAsStream("aws_standin.py")) {
            Files.write(aws, in.readAllBytes());
        }
        Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwx------"));
    }

    @BeforeEach
    void secrets() {
        moto.reset();
        createSecret("us-east-1", "emr-ingest/shop/db", "SecretString", SECRET);
        createSecret("eu-west-1", "emr-ingest/eu/db", "SecretString", "in Ireland");
        createSecret("us-east-1", "emr-ingest/binary", "SecretBinary", "bytes");
    }

    /** Seeds moto with boto3, as the stand-in reads it ({@code MOTO_PYTHON} or {@code python3}). */
    private static void createSecret(String region, String name, String kind, String value) {
        String python = System.getenv().getOrDefault("MOTO_PYTHON", "python3");
        Result result = run(List.of(python, "-c", """
                import sys, boto3
                region, name, kind, value = sys.argv[1:]
                boto3.client("secretsmanager", region_name=region).create_secret(
                    Name=name, **{kind: value.encode() if kind == "SecretBinary" else value})
                """, region, name, kind, value));
        assertEquals(0, result.exitCode(), result.stderr());
    }

    private static Result aws(String... args) {
        List<String> command = new ArrayList<>(List.of(aws.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    /** With moto's endpoint and test credentials, as {@link StepRunner} runs the steps. */
    private static Result run(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        try {
            Path out = Files.createTempFile(work, "stdout", ".txt");
            Path err = Files.createTempFile(work, "stderr", ".txt");
            Process process = builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aSecretStringIsPrintedWithANewlineAsTheCliPrintsText() {
        Result result = aws("secretsmanager", "get-secret-value", "--secret-id", "emr-ingest/shop/db",
                "--query", "SecretString", "--output", "text");
        assertEquals(new Result(0, SECRET + "\n", ""), result);

        // the options in any order, with a region
        assertEquals(new Result(0, "in Ireland\n", ""), aws("secretsmanager", "get-secret-value", "--region",
                "eu-west-1", "--output", "text", "--query", "SecretString", "--secret-id", "emr-ingest/eu/db"));
    }

    @Test
    void aSecretWithoutAStringPrintsNoneAsTheCliDoes() {
        assertEquals(new Result(0, "None\n", ""), aws("secretsmanager", "get-secret-value", "--secret-id",
                "emr-ingest/binary", "--query", "SecretString", "--output", "text"));
    }

    @Test
    void aMissingSecretFailsAsTheCliDoes() {
        assertEquals(new Result(254, "", NOT_FOUND), aws("secretsmanager", "get-secret-value", "--secret-id",
                "emr-ingest/none", "--query", "SecretString", "--output", "text"));
        // secrets are regional
        assertEquals(new Result(254, "", NOT_FOUND), aws("secretsmanager", "get-secret-value", "--secret-id",
                "emr-ingest/eu/db", "--query", "SecretString", "--output", "text", "--region", "us-east-1"));
    }

    @Test
    void anyOtherFormFailsLoudly() {
        List<List<String>> forms = List.of(
                List.of("--secret-id", "emr-ingest/shop/db", "--query", "SecretString"),
                List.of("--secret-id", "emr-ingest/shop/db", "--query", "SecretString", "--output", "json"),
                List.of("--secret-id", "emr-ingest/shop/db", "--query", "SecretBinary", "--output", "text"),
                List.of("--query", "SecretString", "--output", "text"),
                List.of("--query", "SecretString", "--output", "text", "--secret-id"),
                List.of("--secret-id", "--query", "SecretString", "--output", "text"),
                List.of("--secret-id", "emr-ingest/shop/db", "--query", "SecretString", "--output", "text",
                        "--version-stage", "AWSCURRENT"),
                List.of("--secret-id", "emr-ingest/shop/db", "--secret-id", "emr-ingest/eu/db", "--query",
                        "SecretString", "--output", "text"));
        for (List<String> form : forms) {
            List<String> args = new ArrayList<>(List.of("secretsmanager", "get-secret-value"));
            args.addAll(form);
            Result result = aws(args.toArray(String[]::new));
            assertEquals(1, result.exitCode(), form.toString());
            assertEquals("", result.stdout(), form.toString());
            assertEquals("aws stand-in: unsupported secretsmanager get-secret-value form: " + String.join(" ", args)
                    + "\n", result.stderr());
        }
    }
}
