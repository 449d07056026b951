package dev.emringest.credentials;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds a node's trust store for verified TLS to the source database from a PEM file of CA certificates, in one JVM
 * (keytool imports one certificate per run, and the RDS bundle holds 115):
 *
 * <pre>java -cp spark-job.jar dev.emringest.credentials.TrustStoreBuilder BUNDLE.pem truststore.p12</pre>
 *
 * Only the JDK is on the class path: {@code install-trust-store.sh} runs it as a bootstrap action, before EMR installs
 * Hadoop. Each certificate becomes a trusted entry, {@code ca-1}, {@code ca-2}, ... in the file's order (expired ones
 * too, as the bundle lists them). Text outside the PEM blocks is ignored. A block other than a certificate is refused
 * without being printed (a private key above all: the store is readable by every user on the node). It prints the
 * number of certificates stored.
 */
public final class TrustStoreBuilder {

    /**
     * The password the JDBC URL names. The store needs none: it holds public certificates, unencrypted and without
     * PKCS12's MAC (see {@link #build}), so it loads under any password, this one included.
     */
    public static final String PASSWORD = "emr-ingest-truststore";
    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,40})-----");

    private TrustStoreBuilder() {}

    public static void main(String[] args) {
        if (args.length != 2 || args[0].isBlank() || args[1].isBlank()) {
            System.err.println("usage: TrustStoreBuilder BUNDLE.pem STORE.p12");
            System.exit(2);
        }
        try {
            System.out.println(build(Path.of(args[0]), Path.of(args[1])));
        } catch (IllegalArgumentException | IOException | GeneralSecurityException e) {
            System.err.println("TrustStoreBuilder: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Writes the PKCS12 store of the certificates in {@code pem} to {@code store}.
     *
     * @return how many certificates it holds
     * @throws IllegalArgumentException saying what is wrong with the file, never quoting it
     */
    static int build(Path pem, Path store) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(pem);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (text.contains("PRIVATE KEY")) {
            throw new IllegalArgumentException("the file holds a private key: a trust store takes CA certificates"
                    + " only (check the URI names the CA bundle)");
        }
        int blocks = 0;
        Matcher begin = BEGIN.matcher(text);
        while (begin.find()) {
            if (!begin.group(1).equals("CERTIFICATE")) {
                throw new IllegalArgumentException("the file holds a PEM block other than a certificate ("
                        + begin.group(1) + "): a CA bundle holds certificates only");
            }
            blocks++;
        }
        if (blocks == 0) {
            throw new IllegalArgumentException("the file holds no certificate (no -----BEGIN CERTIFICATE----- line):"
                    + " it is not a PEM CA bundle");
        }
        Collection<? extends Certificate> certificates;
        try {
            certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("a certificate does not parse (" + e.getMessage() + "): is the file"
                    + " truncated?");
        }
        if (certificates.size() != blocks) {
            throw new IllegalArgumentException(blocks + " certificate blocks, but " + certificates.size()
                    + " certificates parse: is the file truncated?");
        }
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        int n = 0;
        for (Certificate certificate : certificates) {
            trustStore.setCertificateEntry("ca-" + ++n, certificate);
        }
        // Neither PKCS12's MAC nor its certificate encryption protects anything under a password the JDBC URL
        // shows, and each costs 10,000 PBKDF2 iterations whenever the store loads: on every JDBC connection (every
        // Spark partition, every Sqoop mapper), about 70 ms warm and 250 ms in a fresh JVM. The node's file
        // permissions are the store's protection.
        Security.setProperty("keystore.pkcs12.certProtectionAlgorithm", "NONE");
        Security.setProperty("keystore.pkcs12.macAlgorithm", "NONE");
        try (OutputStream out = Files.newOutputStream(store)) {
            trustStore.store(out, PASSWORD.toCharArray());
        }
        return n;
    }
}
