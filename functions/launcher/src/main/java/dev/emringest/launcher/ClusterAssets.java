package dev.emringest.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Publishes what the cluster runs (bootstrap script, step scripts, Spark job, MySQL driver), bundled inside the
 * launcher, to {@code s3://<cluster bucket>/assets/<sha256>/<name>}. A content-addressed key never changes once
 * written, so clusters of one launcher version always run the same bytes and a deploy needs no manual upload.
 */
public final class ClusterAssets {

    static final String BOOTSTRAP = "install-mysql-driver.sh";
    static final String SQOOP_STEP = "sqoop-import.sh";
    static final String SPARK_JDBC_STEP = "spark-jdbc-import.sh";
    static final String SPARK_JOB = "spark-job.jar";
    static final String MYSQL_DRIVER = "mysql-connector-j.jar";

    /** S3 URIs of the published assets. */
    public record Published(String bootstrapScript, String sqoopStep, String sparkJdbcStep, String sparkJob,
                            String mysqlDriver) {}

    private final S3Client s3;
    private final String bucket;
    private volatile Published published;

    public ClusterAssets(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Uploads each asset unless its key already exists; later calls in the same container cost nothing. */
    public Published publish() {
        Published current = published;
        if (current == null) {
            current = new Published(upload(BOOTSTRAP), upload(SQOOP_STEP), upload(SPARK_JDBC_STEP),
                    upload(SPARK_JOB), upload(MYSQL_DRIVER));
            published = current;
        }
        return current;
    }

    private String upload(String name) {
        byte[] bytes = bundled(name);
        String key = "assets/" + sha256(bytes) + "/" + name;
        if (!exists(key)) {
            s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bytes));
        }
        return "s3://" + bucket + "/" + key;
    }

    private boolean exists(String key) {
        try {
            s3.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private static byte[] bundled(String name) {
        try (InputStream in = ClusterAssets.class.getResourceAsStream("/assets/" + name)) {
            if (in == null) {
                throw new IllegalStateException("asset " + name + " is not bundled in the launcher (build with ./mvnw package)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
