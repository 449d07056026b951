package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code emr/bootstrap/install-trust-store.sh}, the RDS CA bundle and spark-job.jar as the launcher bundles them (its
 * build copies {@code emr/bootstrap/*.sh} and {@code *.pem} into {@code assets/}), the script run with {@code bash
 * SCRIPT PEM_URI JAR_URI} as a bootstrap action runs it: {@code EMR_INGEST_S3_CP} is a stand-in that copies
 * {@code s3://bucket/KEY} from a local directory, {@code EMR_INGEST_JAVA} this JDK's java, {@code EMR_INGEST_TLS_DIR}
 * a fresh directory per case. An integration test: the build bundles spark-job.jar only when it packages the launcher.
 */
class TrustStoreBootstrapIT {

    static final String SCRIPT = "install-trust-store.sh";
    static final String BUNDLE = "rds-global-bundle.pem";
    static final String PASSWORD = "emr-ingest-truststore";
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final String JAR = "s3://bucket/spark-job.jar";

    @TempDir
    static Path work;
    static Path script;
    static Path bucket;
    static Path copy;
    static Path tmp;
    static byte[] bundle;

    @BeforeAll
    static void fetchTheBundledScriptAndBundle() throws IOException {
        // a bootstrap action's script is fetched alone into a directory of its own
        script = Files.createDirectories(work.resolve("fetched")).resolve(SCRIPT);
        Files.write(script, PublishedStepScripts.bundled(SCRIPT));
        bundle = PublishedStepScripts.bundled(BUNDLE);
        bucket = Files.createDirectories(work.resolve("bucket"));
        Files.write(bucket.resolve(BUNDLE), bundle);
        Files.write(bucket.resolve("spark-job.jar"), PublishedStepScripts.bundled("spark-job.jar"));
        tmp = Files.createDirectories(work.resolve("tmp"));
        copy = work.resolve("s3-cp");
        Files.writeString(copy, """
                #!/usr/bin/env bash
                # "aws s3 cp SRC DEST" stand-in: s3://bucket/KEY is KEY in %s
                set -euo pipefail
                if [[ $# -ne 2 || $1 != s3://bucket/?* ]]; then
                  echo "s3 cp stand-in: unexpected arguments: $*" >&2
                  exit 64
                fi
                exec cp -- "%1$s/${1#s3://bucket/}" "$2"
                """.formatted(bucket));
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
    }

    /** Puts {@code text} into the bucket as {@code key}. */
    static String object(String key, String text) throws IOException {
        Files.writeString(bucket.resolve(key), text);
        return "s3://bucket/" + key;
    }

    /** The first {@code n} certificates of the RDS bundle, as one PEM (without the bundle's leading text). */
    static String firstCertificates(int n) {
        String pem = new String(bundle, StandardCharsets.UTF_8);
        int start = pem.indexOf("-----BEGIN CERTIFICATE-----");
        int end = start;
        for (int i = 0; i < n; i++) {
            end = pem.indexOf("-----END CERTIFICATE-----", end) + "-----END CERTIFICATE-----\n".length();
        }
        return pem.substring(start, end);
    }

    static PublishedStepScripts.Result run(Path tlsDir, String uri) {
        return run(tlsDir, List.of(uri, JAR), Map.of());
    }

    /** {@code bash SCRIPT ARGS}, with {@code overrides} over the stand-ins' environment. */
    static PublishedStepScripts.Result run(Path tlsDir, List<String> args, Map<String, String> overrides) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(script.getParent().toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("EMR_INGEST_"));
        env.put("EMR_INGEST_TLS_DIR", tlsDir.toString());
        env.put("EMR_INGEST_S3_CP", copy.toString());
        env.put("EMR_INGEST_JAVA", JAVA);
        env.put("TMPDIR", tmp.toString());
        // a null value unsets the variable
        overrides.forEach((name, value) -> {
            if (value == null) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        return PublishedStepScripts.execute(builder, work);
    }

    static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        return keyStore;
    }

    static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** The script's private work directories are gone, whatever happened. */
    static void assertNoWorkDirLeft() throws IOException {
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).toList());
        }
    }

    // ------------------------------------------------------------------------------------------------ installed

    @Test
    void theRdsBundleBecomesAPkcs12TrustStoreOfEveryCertificateInItsOrder() throws Exception {
        Path tlsDir = work.resolve("tls-rds");
        PublishedStepScripts.Result result = run(tlsDir, "s3://bucket/" + BUNDLE);

        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertEquals("", result.stderr());
        assertTrue(result.stdout().contains(SCRIPT + ": installed 115 certificates from s3://bucket/" + BUNDLE
                + " into " + tlsDir.resolve("truststore.p12") + " (PKCS12)\n"), result.stdout());
        Path store = tlsDir.resolve("truststore.p12");
        assertEquals("rw-r--r--", permissions(store));
        assertEquals("rwxr-xr-x", permissions(tlsDir));
        try (Stream<Path> files = Files.list(tlsDir)) {
            assertEquals(List.of(store), files.toList());
        }
        assertNoWorkDirLeft();

        KeyStore keyStore = load(store);
        assertEquals(115, keyStore.size());
        List<? extends Certificate> expected = new ArrayList<>(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(firstCertificates(115).getBytes(
                        StandardCharsets.US_ASCII))));
        assertEquals(115, expected.size());
        int expired = 0;
        for (int n = 1; n <= 115; n++) {
            String alias = "ca-" + n;
            assertTrue(keyStore.isCertificateEntry(alias), alias + " is not a trusted certificate entry");
            X509Certificate certificate = (X509Certificate) keyStore.getCertificate(alias);
            assertArrayEquals(expected.get(n - 1).getEncoded(), certificate.getEncoded(), alias);
            if (certificate.getNotAfter().before(new Date())) {
                expired++;
            }
        }
        assertTrue(expired > 0, "the bundle's expired CAs are imported too");
        assertEquals(115, Collections.list(keyStore.aliases()).size());
        // no MAC and no encrypted certificates (each would cost every JDBC connection 10,000 PBKDF2 iterations):
        // the store loads whole under any password, or none
        for (char[] password : new char[][] {"another password".toCharArray(), null}) {
            KeyStore plain = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                plain.load(in, password);
            }
            assertEquals(115, plain.size());
        }
        X509Certificate first = (X509Certificate) keyStore.getCertificate("ca-1");
        assertTrue(first.getSubjectX500Principal().getName().contains("Amazon RDS"),
                first.getSubjectX500Principal().getName());
    }

    @Test
    void anExistingStoreIsReplacedWhole() throws Exception {
        Path tlsDir = Files.createDirectories(work.resolve("tls-replace"));
        Files.writeString(tlsDir.resolve("truststore.p12"), "an older store");
        String uri = object("two.pem", "a comment line\r\n" + firstCertificates(2).replace("\n", "\r\n"));

        PublishedStepScripts.Result result = run(tlsDir, uri);

        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains(": installed 2 certificates from " + uri), result.stdout());
        KeyStore keyStore = load(tlsDir.resolve("truststore.p12"));
        assertEquals(List.of("ca-1", "ca-2"), Collections.list(keyStore.aliases()).stream().sorted().toList());
        assertEquals("rw-r--r--", permissions(tlsDir.resolve("truststore.p12")));
        assertNoWorkDirLeft();
    }

    @Test
    void withoutJavaOnThePathJavaHomesIsUsed() throws Exception {
        // a PATH holding only what the script and the copy stand-in run: no java
        Path tools = Files.createDirectories(work.resolve("tools"));
        String bash = which("bash").toString();
        for (String name : List.of("bash", "cp", "mktemp", "rm", "mkdir", "head", "sed", "tr", "install", "mv")) {
            Path tool = tools.resolve(name);
            Files.writeString(tool, "#!" + bash + "\nexec " + which(name) + " \"$@\"\n");
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
        }
        ProcessBuilder check = new ProcessBuilder("bash", "-c", "command -v java || echo none");
        check.environment().put("PATH", tools.toString());
        assertEquals("none", new String(check.start().getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .strip());
        Path tlsDir = work.resolve("tls-java-home");
        String uri = object("one.pem", firstCertificates(1));
        Map<String, String> env = new HashMap<>();
        env.put("PATH", tools.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("EMR_INGEST_JAVA", null);

        PublishedStepScripts.Result result = run(tlsDir, List.of(uri, JAR), env);

        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains(": installed 1 certificate from " + uri), result.stdout());
        assertEquals(1, load(tlsDir.resolve("truststore.p12")).size());
    }

    private static Path which(String name) {
        for (String dir : System.getenv("PATH").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(name + " not found on PATH");
    }

    // ------------------------------------------------------------------------------------------------ refused

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty.pem     | copy of s3://bucket/empty.pem produced no file or an empty file
            text.pem      | could not build a trust store from s3://bucket/text.pem: the file holds no certificate
            key.pem       | could not build a trust store from s3://bucket/key.pem: the file holds a private key
            missing.pem   | could not copy s3://bucket/missing.pem (command:
            garbage.pem   | could not build a trust store from s3://bucket/garbage.pem: a certificate does not parse
            truncated.pem | could not build a trust store from s3://bucket/truncated.pem: a certificate does not parse
            crl.pem       | could not build a trust store from s3://bucket/crl.pem: the file holds a PEM block other than a certificate (X509 CRL)
            """)
    void aBadBundleFailsNamingTheProblemAndInstallsNothing(String key, String message) throws IOException {
        String one = firstCertificates(1);
        String second = firstCertificates(2).substring(one.length());
        String privateKey = "TUlJRXZRSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NCS2N3Z2dTakFnRUFBb0lCQVFD";
        Map<String, String> objects = Map.of(
                "empty.pem", "",
                "text.pem", "this is not a certificate bundle\n",
                "key.pem", one + "-----BEGIN PRIVATE KEY-----\n" + privateKey + "\n-----END PRIVATE KEY-----\n",
                "garbage.pem", one + "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                        + "-----END CERTIFICATE-----\n",
                "truncated.pem", one + second.substring(0, second.length() / 2),
                "crl.pem", one + "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        if (objects.containsKey(key)) {
            object(key, objects.get(key));
        }
        Path tlsDir = work.resolve("tls-" + key);

        PublishedStepScripts.Result result = run(tlsDir, "s3://bucket/" + key);

        String context = key + "\n" + result.stdout() + result.stderr();
        assertEquals(1, result.exitCode(), context);
        List<String> lines = result.stderr().lines().toList();
        assertFalse(lines.isEmpty(), context);
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith(SCRIPT + ": ") && last.contains(message), "expected '" + message + "': "
                + context);
        assertFalse(result.stderr().contains(privateKey), "the key is printed: " + context);
        assertFalse(Files.exists(tlsDir.resolve("truststore.p12")), context);
        assertFalse(Files.exists(tlsDir.resolve("truststore.p12.tmp")), context);
        assertNoWorkDirLeft();
    }

    @Test
    void aFailureLeavesTheInstalledStoreAsItWas() throws IOException {
        Path tlsDir = Files.createDirectories(work.resolve("tls-kept"));
        Files.writeString(tlsDir.resolve("truststore.p12"), "the store installed before");

        PublishedStepScripts.Result result = run(tlsDir, object("kept.pem", firstCertificates(1) + "-----BEGIN CERTIFICATE-----\n"));

        assertEquals(1, result.exitCode(), result.stderr());
        assertEquals("the store installed before", Files.readString(tlsDir.resolve("truststore.p12")));
        try (Stream<Path> files = Files.list(tlsDir)) {
            assertEquals(List.of(tlsDir.resolve("truststore.p12")), files.toList());
        }
    }

    @Test
    void aBadArgumentIsRefusedBeforeAnyCopy() {
        String usage = "expected 2 arguments, the S3 URIs of the PEM CA bundle and of spark-job.jar (usage: " + SCRIPT
                + " s3://bucket/ca.pem s3://bucket/spark-job.jar)";
        assertRefused(List.of(), usage);
        assertRefused(List.of("s3://bucket/a.pem"), usage);
        assertRefused(List.of("s3://bucket/a.pem", JAR, "s3://bucket/b.pem"), usage);
        for (String uri : List.of("https://b/ca.pem", "s3://bucket/", "s3:///ca.pem", "bucket/ca.pem")) {
            assertRefused(List.of(uri, JAR), "argument 1 must be an S3 URI of the form s3://bucket/key, got '" + uri
                    + "'");
        }
        assertRefused(List.of("s3://bucket/a.pem", "s3://bucket/job.zip"),
                "argument 2 must be the S3 URI of a jar (s3://bucket/key.jar), got 's3://bucket/job.zip'");
    }

    private static void assertRefused(List<String> args, String message) {
        Path tlsDir = work.resolve("tls-args");
        PublishedStepScripts.Result result = run(tlsDir, args, Map.of());
        assertEquals(1, result.exitCode(), args.toString());
        assertEquals(SCRIPT + ": " + message + "\n", result.stderr(), args.toString());
        assertEquals("", result.stdout(), args.toString());
        assertFalse(Files.exists(tlsDir), args.toString());
    }

    @Test
    void aJavaThatIsNotThereIsNamedBeforeAnyCopy() {
        Path tlsDir = work.resolve("tls-no-java");
        PublishedStepScripts.Result result = run(tlsDir, List.of("s3://bucket/" + BUNDLE, JAR),
                Map.of("EMR_INGEST_JAVA", work.resolve("no-such-java").toString()));
        assertEquals(1, result.exitCode());
        assertEquals(SCRIPT + ": EMR_INGEST_JAVA '" + work.resolve("no-such-java")
                + "' is not an executable command\n", result.stderr());
        assertEquals("", result.stdout());
        assertFalse(Files.exists(tlsDir.resolve("truststore.p12")));
    }
}
