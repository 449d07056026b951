package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.cluster.ClusterRun;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.local.CertificateAuthority;
import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;

/**
 * The source as RDS and Aurora users keep it, against a MariaDB that refuses connections without TLS
 * ({@code require_secure_transport=ON}): passwords in Secrets Manager secrets of both RDS shapes, read by the cluster,
 * and TLS verified against the CA the job names. Both importers, through the launcher's requests.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SourceSecurityContractIT extends ContractTestBase {

    /** RDS's "credentials" shape: the server, the database and the user too. */
    private static final String RDS_CREDENTIALS = CONTRACT_SECRETS + "shop-credentials";
    /** An RDS-managed master secret's shape ({@code rds!db-...}): user and password only; here under another key. */
    private static final String RDS_MANAGED = CONTRACT_SECRETS + "rds!db-0123-abcd";
    private static final String OTHER_CA = "s3://" + BUCKET + "/contract/other-ca.pem";
    private static final String LAKE = "contract-lake/raw/secure";

    @BeforeAll
    static void secretsAndCasAndATlsOnlyServer() {
        moto.createSecret(RDS_CREDENTIALS, """
                {"engine": "mariadb", "host": "127.0.0.1", "port": %d, "username": "%s", "password": "%s",
                 "dbname": "%s"}""".formatted(db.port(), db.user(), db.password(), db.database()));
        moto.createSecret(RDS_MANAGED, "{\"username\": \"%s\", \"pw\": \"%s\"}".formatted(db.user(), db.password()));
        aws.s3().putObject(r -> r.bucket(BUCKET).key("contract/other-ca.pem"),
                RequestBody.fromString(CertificateAuthority.create("emr-ingest contract other CA").pem()));
        db.requireSecureTransport(true);
        // From here on every request moto receives is kept: the ones above stored the password, none after may hold it.
        moto.startRecording();
    }

    @AfterAll
    static void plainConnectionsAgain() {
        db.requireSecureTransport(false);
    }

    private static String sqoopJob(String source) {
        return """
                {"source": {%s, "tables": [{"name": "typed", "mappers": 1}]},
                 "target": {"s3Uri": "s3://%s"}}""".formatted(source, LAKE);
    }

    private static String sparkJdbcJob(String source) {
        return """
                {"importer": "spark-jdbc", "source": {%s, "tables": [{"name": "typed", "mappers": 1}]},
                 "target": {"s3Uri": "s3://%s"}, "cluster": {"releaseLabel": "emr-7.10.0"}}""".formatted(source, LAKE);
    }

    /** The run's {@code typed} equals the source's, row for row. */
    private static void assertTypedImported(String runKey) {
        String runId = RunIdentity.of("emr-ingest", "contract", runKey).runId();
        assertEquals(source("typed").orderBy("id").collectAsList(),
                target(LAKE, "typed", runId).orderBy("id").collectAsList());
    }

    @Test
    @Order(1)
    void sqoopTakesServerUserAndPasswordFromAnRdsCredentialsSecretOverVerifiedTls() throws IOException {
        RunJobFlowRequest request = request(sqoopJob("\"secret\": {\"id\": \"" + RDS_CREDENTIALS + "\"}"), "sqoop-1");
        assertEquals(List.of("install MySQL Connector/J", "install the database's CA trust store"),
                request.bootstrapActions().stream().map(a -> a.name()).toList());
        assertEquals(List.of(CA, assets.sparkJob()), request.bootstrapActions().get(1).scriptBootstrapAction().args());
        ClusterRun run = runCluster(request);
        assertSucceeded(run);
        assertTrue(Files.isRegularFile(cluster.tlsDir().resolve("truststore.p12")));
        String imported = run.steps().get(0).output();
        assertTrue(imported.contains("--connect jdbc:mysql://127.0.0.1:" + db.port() + "/" + db.database()
                + "\\?sslMode=VERIFY_IDENTITY\\&trustCertificateKeyStoreUrl=file:"), imported);
        assertTypedImported("sqoop-1");
    }

    @Test
    @Order(2)
    void sparkJdbcTakesTheUserAndThePasswordUnderItsKeyFromAnRdsManagedSecret() throws IOException {
        String source = "\"jdbcUrl\": \"" + db.jdbcUrl() + "\", \"secret\": {\"id\": \"" + RDS_MANAGED
                + "\", \"passwordKey\": \"pw\"}";
        ClusterRun run = runCluster(request(sparkJdbcJob(source), "jdbc-1"));
        assertSucceeded(run);
        assertTrue(run.steps().get(0).output().contains("reading table typed over JDBC from " + db.jdbcUrl()
                + "?sslMode=VERIFY_IDENTITY&"), run.steps().get(0).output());
        assertTypedImported("jdbc-1");
        // With the user named too, only the password comes from the secret: the driver reads it on standard input.
        ClusterRun named = runCluster(request(sparkJdbcJob(source.replace("\"secret\"", "\"username\": \""
                + db.user() + "\", \"secret\"")), "jdbc-2"));
        assertSucceeded(named);
        assertTrue(named.steps().get(0).output().contains("--password-stdin json:pw"), named.steps().get(0).output());
        assertTypedImported("jdbc-2");
    }

    @Test
    @Order(3)
    void aServerCertificateFromAnotherCaFailsBothImportersNamingTlsVerificationAndWritesNothing() throws IOException {
        String tls = "\"tls\": {\"mode\": \"verify-identity\", \"ca\": \"" + OTHER_CA + "\"}";
        String source = "\"jdbcUrl\": \"" + db.jdbcUrl() + "\", \"username\": \"" + db.user()
                + "\", \"passwordParameter\": \"" + SECRET + "\", " + tls;
        ClusterRun sqoop = runCluster(request(sqoopJob(source), "other-ca-sqoop"));
        assertFailedWith(sqoop.steps().get(0), "SSLHandshakeException",
                "Path does not chain with any of the trust anchors");
        ClusterRun jdbc = runCluster(request(sparkJdbcJob(source), "other-ca-jdbc"));
        assertFailedWith(jdbc.steps().get(0), "SSLHandshakeException",
                "Path does not chain with any of the trust anchors");
        assertNoRowsOf("other-ca-sqoop");
        assertNoRowsOf("other-ca-jdbc");
    }

    @Test
    @Order(4)
    void tlsDisabledIsRefusedByTheServer() throws IOException {
        // MariaDB refuses an insecure transport as it refuses a wrong password; tests 1 and 2, with the same
        // password over TLS to the same server, show it is the transport.
        String source = "\"jdbcUrl\": \"" + db.jdbcUrl() + "\", \"username\": \"" + db.user()
                + "\", \"passwordParameter\": \"" + SECRET + "\", \"tls\": {\"mode\": \"disabled\"}";
        ClusterRun sqoop = runCluster(request(withoutTheCa(sqoopJob(source)), "plain-sqoop", null));
        assertTrue(sqoop.steps().get(0).output().contains("sslMode=DISABLED"), sqoop.steps().get(0).output());
        assertFailedWith(sqoop.steps().get(0), "Access denied for user '" + db.user() + "'");
        ClusterRun jdbc = runCluster(request(withoutTheCa(sparkJdbcJob(source)), "plain-jdbc", null));
        assertFailedWith(jdbc.steps().get(0), "Access denied for user '" + db.user() + "'");
        assertNoRowsOf("plain-sqoop");
        assertNoRowsOf("plain-jdbc");
    }

    @Test
    @Order(5)
    void theSecretsPasswordIsInNoStepArgumentProcessArgumentLogLineOrFileLeftBehind() throws IOException {
        assertTrue(stepArgs.stream().flatMap(List::stream).anyMatch(a -> a.equals(RDS_MANAGED)),
                "the runs above read the secrets");
        assertPasswordNowhereAfterTheRuns(a -> a.contains("org.apache.sqoop.Sqoop") && a.contains("--password-alias"),
                "Sqoop", true, List.of(), "emr-ingest-");
        List<MotoServer.Recorded> requests = moto.recording();
        assertTrue(requests.stream().anyMatch(r -> "secretsmanager.GetSecretValue".equals(r.target())),
                "the steps read the secrets from moto");
        for (MotoServer.Recorded request : requests) {
            assertFalse(request.url().contains(db.password()) || request.body().contains(db.password()),
                    "a request holds the password: " + request.method() + " " + request.url());
        }
    }

    /** The job over the example defaults as they are: the tests' defaults name a CA, which {@code disabled} refuses. */
    private static dev.emringest.jobs.JobDefinition withoutTheCa(String job) throws IOException {
        return new dev.emringest.jobs.JobDefinitionParser(PREFIX).parse("contract", exampleDefaults(), job,
                "jobs/contract@1");
    }

    /** No Parquet file of the run was written: at most a manifest saying why it failed. */
    private static void assertNoRowsOf(String runKey) throws IOException {
        String runId = RunIdentity.of("emr-ingest", "contract", runKey).runId();
        Path table = s3Root.resolve(LAKE).resolve("typed");
        if (Files.isDirectory(table)) {
            try (Stream<Path> files = Files.walk(table)) {
                List<Path> written = files.filter(p -> p.toString().contains("_run_id=" + runId))
                        .filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
                assertEquals(List.of(), written);
            }
        }
    }
}
