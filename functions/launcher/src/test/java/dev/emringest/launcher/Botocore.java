package dev.emringest.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** botocore's parameter validation (the machine's Python), run on a request body as the SDK sent it. */
final class Botocore {

    record Verdict(boolean valid, String report) {}

    private Botocore() {}

    static Verdict validate(String service, String operation, String body) {
        try {
            Path script = Files.createTempFile("botocore_validate", ".py");
            try (InputStream in = Botocore.class.getResourceAsStream("botocore_validate.py")) {
                Files.write(script, in.readAllBytes());
            }
            Process python = new ProcessBuilder(System.getenv().getOrDefault("MOTO_PYTHON", "python3"),
                    script.toString(), service, operation).redirectErrorStream(true).start();
            try (OutputStream stdin = python.getOutputStream()) {
                stdin.write(body.getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!python.waitFor(60, TimeUnit.SECONDS)) {
                python.destroyForcibly();
                throw new IllegalStateException("botocore validation did not finish");
            }
            Files.delete(script);
            if (python.exitValue() > 1) {
                throw new IllegalStateException("botocore validation could not run: " + output);
            }
            return new Verdict(python.exitValue() == 0 && output.equals("valid"), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
