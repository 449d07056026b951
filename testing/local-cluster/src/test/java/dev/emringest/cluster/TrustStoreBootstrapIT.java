package dev.emringest.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code emr/bootstrap/install-trust-store.sh} as the local cluster runs a bootstrap action: fetched from moto's S3,
 * the CA bundle and spark-job.jar (its {@code TrustStoreBuilder}) copied through the {@code aws} stand-in, this JDK's
 * java, the store in {@link LocalCluster#tlsDir}.
 * (The script's own rules are {@code TrustStoreBootstrapTest}'s, in the launcher.)
 */
class TrustStoreBootstrapIT {

    private static final Path REPO = Path.of("../..");
    private static final String ASSETS = "cluster-assets";
    private static final String PASSWORD = "emr-ingest-truststore";

    @TempDir
    Path work;
    MotoServer moto;
    S3Client s3;

    @BeforeEach
    void assets() throws IOException {
        moto = MotoServer.shared();
        moto.reset();
        s3 = moto.clients().s3();
        s3.createBucket(b -> b.bucket(ASSETS));
        put("install-trust-store.sh", Files.readString(REPO.resolve("emr/bootstrap/install-trust-store.sh")));
        Path jar = REPO.resolve("emr/spark-job/target/spark-job.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build emr/spark-job first (./mvnw package)");
        }
        s3.putObject(b -> b.bucket(ASSETS).key("spark-job.jar"), RequestBody.fromFile(jar));
    }

    private void put(String key, String text) {
        s3.putObject(b -> b.bucket(ASSETS).key(key), RequestBody.fromString(text));
    }

    /** The RDS bundle up to its third certificate, its leading text included. */
    private static String threeCertificates() throws IOException {
        String pem = Files.readString(REPO.resolve("emr/bootstrap/rds-global-bundle.pem"));
        String end = "-----END CERTIFICATE-----\n";
        int to = 0;
        for (int i = 0; i < 3; i++) {
            to = pem.indexOf(end, to) + end.length();
        }
        return pem.substring(0, to);
    }

    private ClusterRun bootstrap(LocalCluster cluster, String bundleKey) {
        ClusterSpec spec = new ClusterSpec("trust", List.of(new ClusterSpec.Action("install the trust store",
                "s3://" + ASSETS + "/install-trust-store.sh", List.of("s3://" + ASSETS + "/" + bundleKey, "s3://" + ASSETS + "/spark-job.jar"))),
                List.of(), Map.of());
        return cluster.run(spec, new LocalCluster.Listener() {});
    }

    private LocalCluster cluster() {
        Path sqoopClasspath = REPO.resolve("testing/sqoop-runtime/target/sqoop.classpath");
        return new LocalCluster(work.resolve("node"), moto, sqoopClasspath, Map.of(), LocalCluster.Spark.IN_PROCESS,
                Map.of());
    }

    @Test
    void theBootstrapActionInstallsTheStoreInTheNodesTlsDir() throws IOException, GeneralSecurityException {
        put("ca.pem", threeCertificates());
        LocalCluster cluster = cluster();
        assertEquals(work.resolve("node/emr-ingest-tls"), cluster.tlsDir());

        ClusterRun run = bootstrap(cluster, "ca.pem");

        assertEquals(StepRun.COMPLETED, run.bootstrap().state(), run.bootstrap().output());
        assertTrue(run.bootstrap().output().contains("install-trust-store.sh: installed 3 certificates from s3://"
                + ASSETS + "/ca.pem into " + cluster.tlsDir().resolve("truststore.p12")), run.bootstrap().output());
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(cluster.tlsDir().resolve("truststore.p12"))) {
            store.load(in, PASSWORD.toCharArray());
        }
        assertEquals(List.of("ca-1", "ca-2", "ca-3"), Collections.list(store.aliases()).stream().sorted().toList());
        X509Certificate first = (X509Certificate) store.getCertificate("ca-1");
        assertTrue(first.getSubjectX500Principal().getName().contains("Amazon RDS"));
    }

    @Test
    void aBundleWithAPrivateKeyFailsTheBootstrapAndInstallsNothing() {
        put("with-key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        LocalCluster cluster = cluster();

        ClusterRun run = bootstrap(cluster, "with-key.pem");

        assertEquals(StepRun.FAILED, run.bootstrap().state());
        assertTrue(run.bootstrap().output().contains("install-trust-store.sh: could not build a trust store from s3://"
                + ASSETS + "/with-key.pem: the file holds a private key"), run.bootstrap().output());
        assertFalse(Files.exists(cluster.tlsDir().resolve("truststore.p12")));
    }
}
