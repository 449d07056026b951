package dev.emringest.launcher;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The step scripts' rules for each option's value: in both scripts where both take the option, then each script's
 * own ({@link PublishedStepScripts}). spark-jdbc-import.sh hands the Spark job's options on unread: JobArguments
 * and RunArguments check those (their tests in emr/spark-job).
 */
class StepScriptOptionsTest extends PublishedStepScripts {

    // ------------------------------------------------------------------------------------------------ shared options

    @ParameterizedTest
    @EnumSource(Step.class)
    void theJdbcUrlMustBeAMysqlUrlWithoutWhitespace(Step step) {
        for (String url : List.of("jdbc:postgresql://db.example/shop", "mysql://db.example/shop", "jdbc:mysql://",
                "jdbc:mysql://db.example/shop?a=1 b=2")) {
            assertRejected(step, step.args("--jdbc-url", url), "option --jdbc-url must be a jdbc:mysql:// URL");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theUsernameMustBeAnIdentifier(Step step) {
        for (String user : List.of("app user", "app-user", "1app", "app'--", "a".repeat(65))) {
            assertRejected(step, step.args("--username", user), "option --username must be a database user name"
                    + " ([A-Za-z_][A-Za-z0-9_]{0,63}), got '" + user + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void theTableMustBeAnIdentifier(Step step) {
        for (String table : List.of("orders;drop", "shop.orders", "order items", "1orders", "`orders`",
                "a".repeat(65))) {
            assertRejected(step, step.args("--table", table), "option --table must be a table name"
                    + " ([A-Za-z_][A-Za-z0-9_]{0,63}), got '" + table + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void thePasswordParameterMustBeAnSsmName(Step step) {
        for (String name : List.of("emr-ingest/secrets/db", "/emr ingest/db", "/a;b")) {
            assertRejected(step, step.args("--password-parameter", name),
                    "option --password-parameter must be an SSM parameter name");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theJdbcUrlSetsNoTlsOptionOfItsOwn(Step step) {
        for (String option : List.of("useSSL=false", "sslMode=DISABLED", "SSLMODE=REQUIRED",
                "trustCertificateKeyStoreUrl=file:/tmp/t.p12", "enabledTLSProtocols=TLSv1.2", "requireSSL=true",
                "verifyServerCertificate=false", "clientCertificateKeyStorePassword=x")) {
            String name = option.substring(0, option.indexOf('=')).toLowerCase(java.util.Locale.ROOT);
            assertRejected(step, step.args("--jdbc-url", DB + "?connectTimeout=5000&" + option),
                    "option --jdbc-url sets TLS option '" + name + "': --tls-mode decides TLS");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theTlsModeIsOneOfFour(Step step) {
        for (String mode : List.of("verify-identity", "verify-ca", "required", "disabled")) {
            // the modes that verify stop at the trust store instead (absent here), after the driver
            assertAccepted(step, step.args("--tls-mode", mode));
        }
        for (String mode : List.of("VERIFY_IDENTITY", "preferred", "verify-full", "off")) {
            assertRejected(step, step.args("--tls-mode", mode), "option --tls-mode must be verify-identity,"
                    + " verify-ca, required or disabled, got '" + mode + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void aSecretGivesThePasswordAndMayGiveTheUserAndTheServer(Step step) {
        List<String> secret = List.of("--password-secret", "rds!db-0123-abcd", "--password-key", "pw");
        assertAccepted(step, step.args(secret, "--password-parameter", null, "--jdbc-url", null, "--username", null));
        assertAccepted(step, step.args(List.of("--password-secret",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:emr-ingest/shop-AbCdEf"),
                "--password-parameter", null));
        assertRejected(step, step.args(secret), "options --password-parameter and --password-secret cannot be"
                + " combined");
        assertRejected(step, step.args(List.of("--password-key", "pw")), "option --password-key needs"
                + " --password-secret");
        for (String id : List.of("shop db", "a;b", "arn:aws:ssm:eu-west-1:123456789012:parameter/x")) {
            assertRejected(step, step.args(List.of("--password-secret", id), "--password-parameter", null),
                    "option --password-secret must be a Secrets Manager secret's name or ARN, got '" + id + "'");
        }
        assertRejected(step, step.args(List.of("--password-secret", "s", "--password-key", "a b"),
                "--password-parameter", null), "option --password-key must be a JSON key");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void theJarMustBeAJarInS3(Step step) {
        for (String uri : List.of("https://bucket/spark-job.jar", "s3://bucket/spark-job.zip", "s3:///spark-job.jar",
                "s3://bucket")) {
            assertRejected(step, step.args(step.jarOption, uri),
                    "option " + step.jarOption + " must be the S3 URI of a jar");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void theCountMustBeFrom1To9999(Step step) {
        for (String count : List.of("0", "10000", "-1", "two", "02")) {
            List<String> args = step.args("--num-mappers", count, "--split-by", "id");
            assertRejected(step, args, "option --num-mappers must be a positive integer (1-9999), got '"
                    + count + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void theSplitColumnMustBeAnIdentifier(Step step) {
        for (String column : List.of("id name", "1id", "id,total")) {
            assertRejected(step, step.args("--split-by", column), "option --split-by must be one column name");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void columnListsHaveNoSpaces(Step step) {
        assertRejected(step, step.args("--columns", "id, total"), "option --columns must be a comma-separated list");
    }

    // ------------------------------------------------------------------------------------------------ the window

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void theWindowColumnMustBeAnIdentifier(Step step) {
        assertRejected(step, step.args("--where-column", "updated-at", "--upper-bound", "2026-11-25T02:00:00Z"),
                "option --where-column must be a column name");
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void windowBoundsNeedTheWindowColumn(Step step) {
        for (String[] bound : new String[][] {{"--lower-bound", "2026-11-24T02:00:00Z"},
                {"--upper-bound", "2026-11-25T02:00:00Z"}, {"--above-key", "5"}, {"--up-to-key", "9"}}) {
            assertRejected(step, step.args(bound), "option " + bound[0] + " needs --where-column");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void aLowerBoundNeedsAnUpperBound(Step step) {
        assertRejected(step, step.args("--where-column", "updated_at", "--lower-bound", "2026-11-24T02:00:00Z"),
                "option --lower-bound needs --upper-bound");
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void anUpToKeyNeedsAnAboveKey(Step step) {
        assertRejected(step, step.args("--where-column", "id", "--up-to-key", "9"),
                "option --up-to-key needs --above-key");
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void aWindowIsByTimeOrByKey(Step step) {
        assertRejected(step, step.args("--where-column", "id", "--upper-bound", "2026-11-25T02:00:00Z",
                "--above-key", "5"), "option --lower-bound/--upper-bound (by time) cannot be combined with"
                + " --above-key/--up-to-key (by key)");
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void boundsAreIso8601UtcInstants(Step step) {
        for (String bound : List.of("--lower-bound", "--upper-bound")) {
            for (String value : List.of("2026-11-25 02:00:00", "2026-11-25T02:00:00+01:00", "2026-11-25",
                    "2026-11-25T02:00:00Z' OR 1=1")) {
                assertRejected(step, step.args("--where-column", "updated_at", "--lower-bound", "2026-11-24T02:00:00Z",
                        "--upper-bound", "2026-11-25T02:00:00Z", bound, value),
                        "option " + bound + " must be an ISO-8601 UTC instant");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void boundsAreValidDatesAndTimes(Step step) {
        for (String value : List.of("2026-13-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-25T24:00:00Z",
                "0999-11-25T00:00:00Z")) {
            assertRejected(step, step.args("--where-column", "updated_at", "--upper-bound", value),
                    "option --upper-bound is not a valid date and time, got '" + value + "'");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void boundsAreNoFinerThanMicroseconds(Step step) {
        assertRejected(step, step.args("--where-column", "updated_at", "--upper-bound", "2026-11-25T02:00:00.1234567Z"),
                "option --upper-bound has a fraction finer than microseconds");
        assertAccepted(step, step.args("--where-column", "updated_at",
                "--upper-bound", "2026-11-25T02:00:00.123456000Z"));
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
    void keysAre64BitIntegers(Step step) {
        for (String value : List.of("9223372036854775808", "-9223372036854775809", "1.5", "07", "1e3", "5 OR 1=1")) {
            assertRejected(step, step.args("--where-column", "id", "--above-key", value),
                    "option --above-key must be a 64-bit integer, got '" + value + "'");
            assertRejected(step, step.args("--where-column", "id", "--above-key", "0", "--up-to-key", value),
                    "option --up-to-key must be a 64-bit integer, got '" + value + "'");
        }
    }

    // ------------------------------------------------------------------------------------------------ one step's own

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        --format     | orc                        | option --format must be parquet or avro
        --format     | PARQUET                    | option --format must be parquet or avro
        --target-dir | /emr-ingest/staging/run-1  | option --target-dir: last path segment 'run-1'
        --target-dir | /emr-ingest/staging/run.1/ | option --target-dir: last path segment 'run.1'
        --target-dir | /                          | option --target-dir: last path segment ''
        """)
    void sqoopOwnOptions(String option, String value, String message) {
        assertRejected(Step.SQOOP, Step.SQOOP.args(option, value), message);
    }

    @Test
    void aValidPrimaryKeyFilePassesEveryCheck() {
        assertAccepted(Step.SQOOP, Step.SQOOP.args("--primary-key-file", "hdfs:///emr-ingest/staging/r/o.primary-key"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo bar", "/staging/o.primary-key", "hdfs:///a b"})
    void thePrimaryKeyFileIsAUri(String file) {
        assertRejected(Step.SQOOP, Step.SQOOP.args("--primary-key-file", file),
                "option --primary-key-file must be a URI (hdfs:///path), got '" + file + "'");
    }

    @Test
    void thePrimaryKeyFileIsSqoopsAndTheTargetSparkJdbcs() {
        assertRejected(Step.SPARK_JDBC, Step.SPARK_JDBC.args("--primary-key-file", "hdfs:///k"),
                "unknown option '--primary-key-file'");
        assertRejected(Step.SQOOP, Step.SQOOP.args("--target-table", "glue_catalog.shop.orders"),
                "unknown option '--target-table'");
    }
}
