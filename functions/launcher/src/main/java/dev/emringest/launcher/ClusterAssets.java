package dev.emringest.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Publishes what the cluster runs (bootstrap scripts, the RDS CA bundle, step scripts, Spark job, MySQL driver), bundled inside the
 * launcher, to {@code s3://<cluster bucket>/assets/<sha256>/<name>}. A content-addressed key never changes once
 * written, so clusters of one launcher version always run the same bytes and a deploy needs no manual upload.
 *
 * <p>The hashes are computed by the build ({@code /assets/<name>.sha256} beside each asset). Once every asset of a
 * set is in the bucket, a marker {@code assets/published/<sha256 of the set>} says so: a cold launcher checks that
 * one object instead of every asset, and reads no asset at all.
 */
public final class ClusterAssets {

    static final String BOOTSTRAP = "install-mysql-driver.sh";
    static final String TRUST_STORE_BOOTSTRAP = "install-trust-store.sh";
    static final String RDS_CA_BUNDLE = "rds-global-bundle.pem";
    static final String SQOOP_STEP = "sqoop-import.sh";
    static final String SPARK_JDBC_STEP = "spark-jdbc-import.sh";
    static final String SPARK_JOB = "spark-job.jar";
    static final String MYSQL_DRIVER = "mysql-connector-j.jar";
    private static final List<String> NAMES = List.of(BOOTSTRAP, TRUST_STORE_BOOTSTRAP, RDS_CA_BUNDLE, SQOOP_STEP,
            SPARK_JDBC_STEP, SPARK_JOB, MYSQL_DRIVER);

    /** S3 URIs of the published assets. */
    public record Published(String bootstrapScript, String trustStoreScript, String rdsCaBundle, String sqoopStep,
                            String sparkJdbcStep, String sparkJob, String mysqlDriver) {}

    private final S3Client s3;
    private final String bucket;
    private volatile Published published;
    private volatile Future<Boolean> ahead;

    public ClusterAssets(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Whether the set's marker is in the bucket, remembered when it is: what {@link #publish} reads first. Writes nothing. */
    public boolean check() {
        if (published == null && exists(marker(keys()), true)) {
            published = published(keys());
        }
        return published != null;
    }

    /**
     * A {@link #check} already running (init starts it, see {@link LauncherInit}), so the S3 client's first request
     * (its slowest) overlaps the rest of init and the first launch's SSM read and claim. The first {@link #publish}
     * waits for it; a failure is left to {@link #publish}, which reads the marker again.
     */
    void checkAhead(Future<Boolean> check) {
        ahead = check;
    }

    /** Uploads each asset the bucket lacks, unless the set's marker says none is missing; later calls cost nothing. */
    public Published publish() {
        Future<Boolean> task = ahead;
        if (task != null) {
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                // the check failed: read the marker below
            }
            ahead = null;
        }
        Published current = published;
        if (current == null) {
            Map<String, String> keys = keys();
            String marker = marker(keys);
            if (!exists(marker, true)) {
                keys.forEach((name, key) -> {
                    if (!exists(key, false)) {
                        s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(bundled(name)));
                    }
                });
                // Written last: a marker promises every asset of the set is there.
                s3.putObject(r -> r.bucket(bucket).key(marker).contentType("text/plain"),
                        RequestBody.fromString(String.join("\n", keys.values()) + "\n"));
            }
            current = published(keys);
            published = current;
        }
        return current;
    }

    private static Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        NAMES.forEach(name -> keys.put(name, "assets/" + bundledSha256(name) + "/" + name));
        return keys;
    }

    private static String marker(Map<String, String> keys) {
        return "assets/published/" + sha256(String.join("\n", keys.values()).getBytes(StandardCharsets.UTF_8));
    }

    private Published published(Map<String, String> keys) {
        return new Published(uri(keys.get(BOOTSTRAP)), uri(keys.get(TRUST_STORE_BOOTSTRAP)),
                uri(keys.get(RDS_CA_BUNDLE)), uri(keys.get(SQOOP_STEP)), uri(keys.get(SPARK_JDBC_STEP)),
                uri(keys.get(SPARK_JOB)), uri(keys.get(MYSQL_DRIVER)));
    }

    private String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    /** The marker is read with GetObject, the call the ledger already makes; an asset is only looked at (HEAD). */
    private boolean exists(String key, boolean read) {
        try {
            if (read) {
                s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            } else {
                s3.headObject(r -> r.bucket(bucket).key(key));
            }
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

    private static String bundledSha256(String name) {
        String sha = new String(bundled(name + ".sha256"), StandardCharsets.US_ASCII).trim();
        if (!sha.matches("[0-9a-f]{64}")) {
            throw new IllegalStateException("asset " + name + ".sha256 does not hold a SHA-256 (build with ./mvnw package)");
        }
        return sha;
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
