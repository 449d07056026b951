package dev.emringest.localrun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** template.yaml as cfn-lint (with the SAM transform) sees it, and as the built packages must satisfy it. */
class TemplateIT {

    private static final Path REPO = Path.of("..");

    @Test
    void cfnLintReportsNothing() throws IOException, InterruptedException {
        Process lint = new ProcessBuilder("cfn-lint", "template.yaml").directory(REPO.toFile())
                .redirectErrorStream(true).start();
        String output = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(lint.waitFor(120, TimeUnit.SECONDS), "cfn-lint did not finish");
        assertEquals("", output.trim());
        assertEquals(0, lint.exitValue());
    }

    @Test
    void everyFunctionPointsAtABuiltPackageHoldingItsHandler() throws Exception {
        String template = Files.readString(REPO.resolve("template.yaml"));
        Matcher function = Pattern.compile("CodeUri: (\\S+)\\s+Handler: (\\S+)::handleRequest").matcher(template);
        List<String> handlers = new ArrayList<>();
        while (function.find()) {
            Path jar = REPO.resolve(function.group(1));
            String handler = function.group(2);
            handlers.add(handler);
            assertTrue(Files.isRegularFile(jar), jar + " is not built");
            try (JarFile packaged = new JarFile(jar.toFile())) {
                assertTrue(packaged.getEntry(handler.replace('.', '/') + ".class") != null, handler + " not in " + jar);
            }
            assertTrue(RequestHandler.class.isAssignableFrom(Class.forName(handler))
                    || RequestStreamHandler.class.isAssignableFrom(Class.forName(handler)), handler);
        }
        assertEquals(List.of("dev.emringest.launcher.ScheduleHandler", "dev.emringest.launcher.SqsHandler",
                "dev.emringest.recorder.EmrEventHandler", "dev.emringest.recorder.ReconcileHandler",
                "dev.emringest.schedules.ScheduleSyncHandler"), handlers);
    }
}
