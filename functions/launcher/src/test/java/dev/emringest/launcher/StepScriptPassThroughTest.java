package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the published step scripts hand on once every check passed: the node's commands are stand-ins that record
 * their arguments (a MySQL driver file and a trust store are there, {@code aws} answers {@code s3 cp},
 * {@code ssm get-parameter} and {@code secretsmanager get-secret-value}, {@code hadoop} writes the credential store
 * and, for a secret, the connection fields an RDS secret holds), so the scripts run to the end.
 */
class StepScriptPassThroughTest extends PublishedStepScripts {

    private Path log;
    private Map<String, String> node;

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    }

    @BeforeEach
    void standIns() throws IOException {
        Path dir = Files.createTempDirectory(work, "node");
        log = Files.createDirectories(dir.resolve("log"));
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.writeString(lib.resolve("mysql-connector-j.jar"), "not a jar");
        executable(dir.resolve("aws"), """
                #!/usr/bin/env bash
                case $1 in
                  s3) printf 'jar' >"$5" ;;
                  ssm) printf 'not-a-real-password\\n' ;;
                  secretsmanager) printf '{"password": "not-a-real-password"}\\n' ;;
                  *) exit 99 ;;
                esac
                """);
        executable(dir.resolve("hadoop"), """
                #!/usr/bin/env bash
                printf '%s\\0' "$@" >"$FAKE_LOG/hadoop-$1.args"
                printf '%s' "$HADOOP_CLASSPATH" >"$FAKE_LOG/hadoop-$1.classpath"
                case $1 in
                  dev.emringest.credentials.StoreCredential)
                    cat >/dev/null
                    printf 'store' >"${2#jceks://file}"
                    if [[ $4 == --json-key ]]; then printf '%s' "$FAKE_SECRET_FIELDS" >"$7"; fi ;;
                  dev.emringest.spark.PrimaryKey) exit "${FAKE_PRIMARY_KEY_EXIT:-0}" ;;
                esac
                """);
        for (String tool : List.of("sqoop", "spark-submit")) {
            executable(dir.resolve(tool), "#!/usr/bin/env bash\nprintf '%s\\0' \"$@\" >\"$FAKE_LOG/" + tool
                    + ".args\"\ncat >\"$FAKE_LOG/" + tool + ".stdin\"\n");
        }
        Path tls = Files.createDirectories(dir.resolve("tls"));
        Files.writeString(tls.resolve("truststore.p12"), "not a store");
        node = new LinkedHashMap<>(Map.of(
                "EMR_INGEST_TLS_DIR", tls.toString(),
                "EMR_INGEST_LIB_DIR", lib.toString(),
                "EMR_INGEST_AWS", dir.resolve("aws").toString(),
                "EMR_INGEST_HADOOP", dir.resolve("hadoop").toString(),
                "EMR_INGEST_SQOOP", dir.resolve("sqoop").toString(),
                "EMR_INGEST_SPARK_SUBMIT", dir.resolve("spark-submit").toString(),
                "FAKE_LOG", log.toString()));
    }

    private Result ran(Step step, List<String> args) {
        Result result = run(step, args, node);
        assertEquals(0, result.exitCode(), step.script + " " + args + "\n" + result.stderr());
        return result;
    }

    private List<String> recorded(String name) throws IOException {
        String text = Files.readString(log.resolve(name + ".args"));
        return Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1));
    }

    @Test
    void sparkJdbcHandsTheSparkJobsArgumentsOnAsGivenAfterTheSources() throws IOException {
        List<String> job = List.of("--parallel-tables", "2", "--max-connections", "8", "--run-key",
                "2026-11-25T02:00:00Z", "--table", "orders", "--output", "s3://lake/shop/orders", "--sql",
                "-- note\nSELECT * FROM source", "--target-table", "glue_catalog.shop.orders", "--mode", "merge",
                "--table", "order lines; rm -rf /", "--output", "$(touch /tmp/x)");
        List<String> args = new ArrayList<>(Step.SPARK_JDBC.args());
        args = new ArrayList<>(args.subList(0, args.indexOf("--") + 1));
        args.addAll(job);
        Result result = ran(Step.SPARK_JDBC, args);
        List<String> submitted = recorded("spark-submit");
        int at = submitted.indexOf("--jdbc-url");
        assertTrue(submitted.get(at - 1).endsWith("/spark-job.jar"), submitted.toString());
        // Connector/J through --jars only: --driver-class-path would replace EMR's spark.driver.extraClassPath.
        assertEquals(List.of("--deploy-mode", "client", "--class", "dev.emringest.spark.IngestJob", "--jars",
                node.get("EMR_INGEST_LIB_DIR") + "/mysql-connector-j.jar"), submitted.subList(0, at - 1));
        List<String> expected = new ArrayList<>(List.of("--jdbc-url", DB + "?sslMode=REQUIRED", "--username", "app_user",
                "--password-stdin", "text"));
        expected.addAll(job);
        assertEquals(expected, submitted.subList(at, submitted.size()));
        // The password goes from the AWS CLI to the driver's standard input: no credential store, no StoreCredential.
        assertEquals("not-a-real-password\n", Files.readString(log.resolve("spark-submit.stdin")));
        assertFalse(submitted.stream().anyMatch(a -> a.contains("credential.provider.path")), submitted.toString());
        assertFalse(Files.exists(log.resolve("hadoop-dev.emringest.credentials.StoreCredential.args")));
        assertTrue(result.stdout().contains("importing table orders,order lines; rm -rf / over JDBC"),
                result.stdout());
    }

    @Test
    void aStagedMergeHasSqoopsStepWriteThePrimaryKeyFirst() throws IOException {
        String file = "hdfs:///emr-ingest/staging/run_1/orders.primary-key";
        ran(Step.SQOOP, Step.SQOOP.args("--primary-key-file", file));
        List<String> store = recorded("hadoop-dev.emringest.credentials.StoreCredential");
        String provider = store.get(1);
        assertTrue(provider.matches("jceks://file/.*/creds\\.jceks"), provider);
        assertEquals(List.of("dev.emringest.spark.PrimaryKey", DB + "?sslMode=REQUIRED", "app_user", provider,
                "emr-ingest.jdbc.password",
                "orders", file), recorded("hadoop-dev.emringest.spark.PrimaryKey"));
        String classpath = Files.readString(log.resolve("hadoop-dev.emringest.spark.PrimaryKey.classpath"));
        assertTrue(classpath.matches(".*/tools\\.jar:" + node.get("EMR_INGEST_LIB_DIR") + "/mysql-connector-j\\.jar"),
                "the tools jar and the driver: " + classpath);
        List<String> sqoop = recorded("sqoop");
        assertFalse(sqoop.contains("--primary-key-file") || sqoop.contains(file), "Sqoop does not get it: " + sqoop);
        assertEquals("orders", sqoop.get(sqoop.indexOf("--table") + 1));
    }

    @Test
    void withoutAPrimaryKeyFileNoKeyIsRead() throws IOException {
        ran(Step.SQOOP, Step.SQOOP.args());
        assertFalse(Files.exists(log.resolve("hadoop-dev.emringest.spark.PrimaryKey.args")));
        assertTrue(Files.exists(log.resolve("sqoop.args")));
    }

    @Test
    void aTableWithoutPrimaryKeyFailsBeforeTheImport() {
        node.put("FAKE_PRIMARY_KEY_EXIT", "1");
        Result result = run(Step.SQOOP, Step.SQOOP.args("--primary-key-file", "hdfs:///k"), node);
        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("sqoop-import.sh: could not record the primary key of table orders"
                + " (a merge without target.mergeKey needs one)"), result.stderr());
        assertFalse(Files.exists(log.resolve("sqoop.args")), "nothing imported");
    }

    @Test
    void aSecretGivesTheServerAndTheUserAndVerifiedTlsTrustsTheNodesStore() throws IOException {
        node.put("FAKE_SECRET_FIELDS", "username=rds_user\nhost=shop.abc.eu-west-1.rds.amazonaws.com\ndbname=shop\n");
        List<String> secret = List.of("--password-secret", "rds!db-0123", "--password-key", "password");
        for (Step step : Step.values()) {
            ran(step, step.args(secret, "--password-parameter", null, "--jdbc-url", null, "--username", null,
                    "--tls-mode", "verify-identity"));
            List<String> store = recorded("hadoop-dev.emringest.credentials.StoreCredential");
            assertEquals(List.of("--json-key", "password", "--fields"), store.subList(3, 6), store.toString());
            List<String> importer = recorded(step == Step.SQOOP ? "sqoop" : "spark-submit");
            String trustStore = node.get("EMR_INGEST_TLS_DIR") + "/truststore.p12";
            String connect = step == Step.SQOOP ? "--connect" : "--jdbc-url";
            assertEquals("jdbc:mysql://shop.abc.eu-west-1.rds.amazonaws.com:3306/shop?sslMode=VERIFY_IDENTITY"
                    + "&trustCertificateKeyStoreUrl=file:" + trustStore + "&trustCertificateKeyStoreType=PKCS12"
                    + "&trustCertificateKeyStorePassword=emr-ingest-truststore",
                    importer.get(importer.indexOf(connect) + 1));
            assertEquals("rds_user", importer.get(importer.indexOf("--username") + 1));
        }
    }

    @Test
    void aSecretGivingOnlyThePasswordGoesToTheSparkDriversStandardInputAndSqoopGetsNone() throws IOException {
        List<String> secret = List.of("--password-secret", "rds!db-0123", "--password-key", "pw");
        ran(Step.SPARK_JDBC, Step.SPARK_JDBC.args(secret, "--password-parameter", null));
        List<String> submitted = recorded("spark-submit");
        assertEquals("json:pw", submitted.get(submitted.indexOf("--password-stdin") + 1), submitted.toString());
        assertEquals("{\"password\": \"not-a-real-password\"}\n",
                Files.readString(log.resolve("spark-submit.stdin")));
        ran(Step.SQOOP, Step.SQOOP.args(secret, "--password-parameter", null));
        assertEquals("", Files.readString(log.resolve("sqoop.stdin")));
    }

    @Test
    void aSecretWithoutTheServerFailsNamingWhatItLacks() {
        node.put("FAKE_SECRET_FIELDS", "username=rds_user\n");
        Result result = run(Step.SQOOP, Step.SQOOP.args(List.of("--password-secret", "rds!db-0123"),
                "--password-parameter", null, "--jdbc-url", null), node);
        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("no --jdbc-url, and secret rds!db-0123 does not hold 'host', 'dbname'"),
                result.stderr());
        assertFalse(Files.exists(log.resolve("sqoop.args")), "nothing imported");
    }

    @Test
    void aVerifyingModeNeedsTheBootstrapActionsTrustStore() {
        node.put("EMR_INGEST_TLS_DIR", work.resolve("no-such-dir").toString());
        Result result = run(Step.SPARK_JDBC, Step.SPARK_JDBC.args("--tls-mode", "verify-ca"), node);
        assertEquals(1, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("truststore.p12 not found: did the bootstrap action"
                + " install-trust-store.sh run?"), result.stderr());
        assertFalse(Files.exists(log.resolve("spark-submit.args")), "nothing imported");
    }
}
