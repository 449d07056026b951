package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

class SourcePasswordTest {

    private static final JobArguments.Jdbc TEXT = jdbc("text");

    private static JobArguments.Jdbc jdbc(String format) {
        return new JobArguments.Jdbc("jdbc:mysql://h/d", "u", null, format, null, 1, List.of());
    }

    private static ByteArrayInputStream input(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anSsmValueIsTheWholeInputWithoutItsNewline() {
        SourcePassword.readStandardInput(input("s3cr=t ü\n"), "text");
        assertArrayEquals("s3cr=t ü".toCharArray(), SourcePassword.of(new Configuration(false), TEXT));
        // Read once: every table of the run gets the same password, as a copy it may zero.
        char[] copy = SourcePassword.of(new Configuration(false), TEXT);
        java.util.Arrays.fill(copy, '\0');
        assertArrayEquals("s3cr=t ü".toCharArray(), SourcePassword.of(new Configuration(false), TEXT));
    }

    @Test
    void aSecretGivesTheValueOfItsKey() {
        SourcePassword.readStandardInput(input("{\"username\": \"ingest\", \"pw\": \"p\\\"w\"}\n"), "json:pw");
        assertArrayEquals("p\"w".toCharArray(), SourcePassword.of(new Configuration(false), jdbc("json:pw")));
    }

    @Test
    void noInputOrNoKeyFailsWithoutQuotingTheSecret() {
        assertEquals("no password on standard input (the step script pipes it there from SSM or Secrets Manager)",
                assertThrows(IllegalStateException.class, () -> SourcePassword.readStandardInput(input(""), "text"))
                        .getMessage());
        String message = assertThrows(IllegalStateException.class, () -> SourcePassword.readStandardInput(
                input("{\"password\": \"hunter2\"}"), "json:pass")).getMessage();
        assertEquals("the secret has no key 'pass' holding a non-empty string (the definition's"
                + " source.secret.passwordKey)", message);
        assertFalse(assertThrows(IllegalStateException.class, () -> SourcePassword.readStandardInput(
                input("hunter2 {"), "json:password")).getMessage().contains("hunter2"));
    }

    @Test
    void anAliasIsReadFromTheCredentialStore() {
        Configuration conf = new Configuration(false);
        conf.set(IngestJob.CREDENTIAL_PROVIDER_PATH, "jceks://file/nonexistent/creds.jceks");
        assertEquals("password alias a is not in the credential store (hadoop.security.credential.provider.path"
                + "=jceks://file/nonexistent/creds.jceks)", assertThrows(IllegalStateException.class,
                () -> SourcePassword.of(conf, new JobArguments.Jdbc("jdbc:mysql://h/d", "u", "a", null, null, 1,
                        List.of()))).getMessage());
    }
}
