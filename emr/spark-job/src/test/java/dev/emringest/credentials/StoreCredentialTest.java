package dev.emringest.credentials;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCredentialTest {

    @TempDir
    Path dir;

    @Test
    void anRdsCredentialsSecretGivesThePasswordAndTheConnectionFields() throws IOException {
        Path fields = dir.resolve("source.fields");
        char[] password = StoreCredential.fromJson(("{\"engine\": \"mysql\", \"host\": \"shop.abc.eu-west-1.rds"
                + ".amazonaws.com\", \"port\": 3306, \"username\": \"ingest\", \"password\": \"s3cr=t\\\"x\","
                + " \"dbname\": \"shop\", \"dbClusterIdentifier\": \"shop\"}").toCharArray(), "password", fields);
        assertArrayEquals("s3cr=t\"x".toCharArray(), password);
        assertEquals("username=ingest\nhost=shop.abc.eu-west-1.rds.amazonaws.com\nport=3306\ndbname=shop\n",
                Files.readString(fields));
    }

    @Test
    void anRdsManagedSecretHoldsOnlyTheUserAndThePasswordUnderAnyKey() throws IOException {
        Path fields = dir.resolve("source.fields");
        char[] password = StoreCredential.fromJson("{\"username\": \"admin\", \"pw\": \"p\"}".toCharArray(), "pw",
                fields);
        assertArrayEquals("p".toCharArray(), password);
        assertEquals("username=admin\n", Files.readString(fields));
    }

    @Test
    void aSecretWithoutThePasswordOrNotJsonFailsWithoutQuotingIt() {
        Path fields = dir.resolve("source.fields");
        IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
                () -> StoreCredential.fromJson("{\"password\": \"hunter2\"}".toCharArray(), "pass", fields));
        assertTrue(noKey.getMessage().contains("no key 'pass'"), noKey.getMessage());
        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class,
                () -> StoreCredential.fromJson("hunter2".toCharArray(), "password", fields));
        assertTrue(notJson.getMessage().contains("not JSON"), notJson.getMessage());
        assertFalse(notJson.getMessage().contains("hunter2"), notJson.getMessage());
        IllegalArgumentException array = assertThrows(IllegalArgumentException.class,
                () -> StoreCredential.fromJson("[\"hunter2\"]".toCharArray(), "password", fields));
        assertTrue(array.getMessage().contains("not a JSON object"), array.getMessage());
        IllegalArgumentException twoLines = assertThrows(IllegalArgumentException.class, () -> StoreCredential
                .fromJson("{\"password\": \"p\", \"host\": \"a\\nport=1\"}".toCharArray(), "password", fields));
        assertTrue(twoLines.getMessage().contains("'host' is not a one-line"), twoLines.getMessage());
        assertFalse(Files.exists(fields));
    }
}
