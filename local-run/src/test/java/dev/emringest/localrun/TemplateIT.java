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
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

    /**
     * Secrets Manager: only the cluster role may read secrets, only under each of the stack's SourceSecretPrefixes
     * (never every secret), and every decryption grant goes through a named service. Read from the template as
     * cfn-lint decodes it (its intrinsic functions as JSON).
     */
    @Test
    void theClusterAloneMayReadSecretsAndOnlyTheStacks() throws Exception {
        Process decode = new ProcessBuilder("python3", "-c", "import json; from cfnlint.decode import decode;"
                + " print(json.dumps(decode('template.yaml')[0]))").directory(REPO.toFile()).start();
        String json = new String(decode.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(decode.waitFor(120, TimeUnit.SECONDS) && decode.exitValue() == 0, "cfn-lint's decoder failed");
        JsonNode template = JsonMapper.builder().build().readTree(json);

        List<String> secretGrants = new ArrayList<>();
        List<JsonNode> decrypts = new ArrayList<>();
        template.path("Resources").properties().forEach(resource -> statements(resource.getValue(), statement -> {
            String actions = statement.path("Action").toString();
            if (actions.contains("secretsmanager")) {
                secretGrants.add(resource.getKey() + " " + actions + " " + statement.path("Resource"));
            }
            if (actions.contains("kms:Decrypt")) {
                decrypts.add(statement);
            }
        }));
        assertEquals(List.of("Fn::ForEach::SourceSecretAccess \"secretsmanager:GetSecretValue\" {\"Fn::Sub\":\"arn:"
                + "${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${Prefix}*\"}"), secretGrants);
        JsonNode access = template.path("Resources").path("Fn::ForEach::SourceSecretAccess");
        assertEquals("SourceSecretPrefixes", access.path(1).path("Ref").asString());
        JsonNode policy = access.path(2).path("SourceSecretAccess&{Prefix}");
        assertEquals("HasSourceSecrets", policy.path("Condition").asString(), "no policy when no prefix is given");
        assertEquals("EmrInstanceRole", policy.path("Properties").path("RoleName").path("Ref").asString());
        JsonNode prefixes = template.path("Parameters").path("SourceSecretPrefixes");
        assertEquals("", prefixes.path("Default").asString());
        for (String prefix : List.of("*", "rds!db-*", "a,b")) {
            assertTrue(!prefix.matches(prefixes.path("AllowedPattern").asString()), prefix);
        }
        assertEquals(2, decrypts.size());
        for (JsonNode decrypt : decrypts) {
            assertTrue(decrypt.path("Condition").path("StringEquals").has("kms:ViaService"), decrypt.toString());
        }
        assertTrue(decrypts.get(1).path("Condition").path("StringLike").has("kms:EncryptionContext:SecretARN"));
    }

    /** Every IAM statement ({@code Effect} and {@code Action}) under {@code node}. */
    private static void statements(JsonNode node, java.util.function.Consumer<JsonNode> each) {
        if (node.isObject() && node.has("Effect") && node.has("Action")) {
            each.accept(node);
        } else if (node.isContainer()) {
            node.values().forEach(child -> statements(child, each));
        }
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
