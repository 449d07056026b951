package dev.emringest.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test MariaDB server serves TLS that Connector/J verifies: the importers' contract tests rest on it. A client
 * trusting the server's CA connects with VERIFY_IDENTITY (the IP SAN matches 127.0.0.1) and VERIFY_CA, one trusting
 * another CA fails its handshake, and with {@code require_secure_transport} on a client without TLS is refused.
 */
class MariaDbServerTlsIT {

    private static final MariaDbServer DB = MariaDbServer.start("tls_check", "tls_user");
    private static final String STORE_PASSWORD = "changeit";

    @TempDir
    Path dir;

    @AfterAll
    static void stop() {
        DB.close();
    }

    @Test
    void verifyIdentityWithTheServersCaConnectsOverTls() throws Exception {
        Path store = trustStore(DB.caPem(), dir.resolve("right.p12"));
        try (Connection connection = connect("VERIFY_IDENTITY", store)) {
            String version = status(connection, "Ssl_version");
            assertTrue(version.startsWith("TLSv1."), "Ssl_version: " + version);
            assertFalse(status(connection, "Ssl_cipher").isEmpty());
        }
    }

    @Test
    void verifyCaWithTheServersCaConnectsOverTls() throws Exception {
        Path store = trustStore(DB.caPem(), dir.resolve("right.p12"));
        try (Connection connection = connect("VERIFY_CA", store)) {
            assertTrue(status(connection, "Ssl_version").startsWith("TLSv1."));
        }
    }

    @Test
    void anotherCaFailsTheHandshake() throws Exception {
        Path store = trustStore(CertificateAuthority.create("another CA").pem(), dir.resolve("wrong.p12"));
        for (String mode : new String[] {"VERIFY_IDENTITY", "VERIFY_CA"}) {
            SQLException refused = assertThrows(SQLException.class, () -> connect(mode, store).close());
            String chain = chain(refused);
            // Connector/J checks the chain itself (CertPathValidator), so not JSSE's "PKIX path building failed".
            assertTrue(chain.contains("javax.net.ssl.SSLHandshakeException"), chain);
            assertTrue(chain.contains("Path does not chain with any of the trust anchors"), chain);
        }
    }

    @Test
    void requireSecureTransportRefusesAClientWithoutTls() throws Exception {
        DB.requireSecureTransport(true);
        try {
            SQLException refused = assertThrows(SQLException.class, () -> connect("DISABLED", null).close());
            // MariaDB (unlike MySQL's "Connections using insecure transport are prohibited ...") refuses a plain
            // client as if its password were wrong: ER_ACCESS_DENIED_ERROR. That the same password gets in over TLS
            // is what shows the transport was refused.
            assertEquals(1045, refused.getErrorCode(), chain(refused));
            assertEquals("28000", refused.getSQLState());
            assertEquals("Access denied for user '" + DB.user() + "'@'127.0.0.1' (using password: YES)",
                    refused.getMessage());
            try (Connection connection = connect("VERIFY_IDENTITY", trustStore(DB.caPem(), dir.resolve("r.p12")))) {
                assertTrue(status(connection, "Ssl_version").startsWith("TLSv1."));
            }
        } finally {
            DB.requireSecureTransport(false);
        }
        try (Connection connection = connect("DISABLED", null)) {
            assertEquals("", status(connection, "Ssl_version"));
        }
    }

    @Test
    void theKeyIsTheOwnersAlone() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("permissions CA");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        ca.issueServerCertificate(cert, key);
        Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertEquals(ownerOnly, Files.getPosixFilePermissions(key));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(cert));
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
    }

    private static Connection connect(String sslMode, Path trustStore) throws SQLException {
        StringBuilder url = new StringBuilder(DB.jdbcUrl()).append("?sslMode=").append(sslMode)
                .append("&connectTimeout=10000");
        if (trustStore != null) {
            url.append("&trustCertificateKeyStoreUrl=").append(trustStore.toUri())
                    .append("&trustCertificateKeyStoreType=PKCS12")
                    .append("&trustCertificateKeyStorePassword=").append(STORE_PASSWORD);
        }
        return DriverManager.getConnection(url.toString(), DB.user(), DB.password());
    }

    private static String status(Connection connection, String name) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SHOW STATUS LIKE '" + name + "'")) {
            assertTrue(rows.next(), name);
            return rows.getString(2);
        }
    }

    /** A PKCS12 trust store holding one CA, as the importers build from a job's CA. */
    private static Path trustStore(String caPem, Path file) throws Exception {
        Certificate ca = CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)));
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, STORE_PASSWORD.toCharArray());
        }
        return file;
    }

    private static String chain(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        System.out.println("[MariaDbServerTlsIT] " + text);
        return text.toString();
    }
}
