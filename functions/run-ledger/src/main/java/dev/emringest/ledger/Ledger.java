package dev.emringest.ledger;

import java.util.Optional;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import tools.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The run ledger in S3. A claim is {@code PutObject If-None-Match: *}; every later change is compare-and-swap
 * with {@code If-Match: <etag>}, retried on a lost race, so concurrent writers never overwrite each other.
 */
public final class Ledger {

    /** Enough for a burst of duplicate events; each retry re-reads, so it converges. */
    private static final int MAX_SWAPS = 20;
    private static final JsonMapper JSON = JsonMapper.builder()
            .changeDefaultPropertyInclusion(i -> i.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private final S3Client s3;
    private final String bucket;

    public Ledger(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public static String runKey(String job, String runKey) {
        return "runs/" + job + "/" + runKey + ".json";
    }

    /** Writes the claim if no record exists; otherwise returns the record that does. */
    public Claim claim(RunRecord record) {
        String key = runKey(record.job(), record.runKey());
        for (int attempt = 0; attempt < MAX_SWAPS; attempt++) {
            try {
                PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key(key).ifNoneMatch("*")
                        .contentType("application/json"), RequestBody.fromBytes(JSON.writeValueAsBytes(record)));
                return new Claim(true, new Versioned<>(record, put.eTag()));
            } catch (S3Exception e) {
                if (!preconditionFailed(e) && !conflict(e)) {
                    throw e;
                }
                Optional<Versioned<RunRecord>> existing = read(record.job(), record.runKey());
                if (existing.isPresent()) {
                    return new Claim(false, existing.get());
                }
                // 409: a concurrent write was still in flight and nothing is visible yet; try again.
            }
        }
        throw new IllegalStateException("gave up claiming " + key + " after " + MAX_SWAPS + " conflicts");
    }

    public Optional<Versioned<RunRecord>> read(String job, String runKey) {
        return get(runKey(job, runKey), RunRecord.class);
    }

    /**
     * Applies {@code change} to the current record and writes it if the record has not moved since it was read;
     * on a lost race it reads again and re-applies. A change that returns its input writes nothing.
     */
    public Versioned<RunRecord> update(String job, String runKey, UnaryOperator<RunRecord> change) {
        String key = runKey(job, runKey);
        for (int attempt = 0; attempt < MAX_SWAPS; attempt++) {
            Versioned<RunRecord> current = read(job, runKey)
                    .orElseThrow(() -> new IllegalStateException("no run record at " + key));
            RunRecord next = change.apply(current.value());
            if (next == current.value()) {
                return current;
            }
            try {
                PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key(key).ifMatch(current.etag())
                        .contentType("application/json"), RequestBody.fromBytes(JSON.writeValueAsBytes(next)));
                return new Versioned<>(next, put.eTag());
            } catch (S3Exception e) {
                if (!preconditionFailed(e) && !conflict(e)) {
                    throw e;
                }
            }
        }
        throw new IllegalStateException("gave up updating " + key + " after " + MAX_SWAPS + " lost races");
    }

    /**
     * One compare-and-swap from {@code expected} to {@code next}: present when this caller won, empty when the
     * record moved first. Used to take over a claim, where exactly one contender may win.
     */
    public Optional<Versioned<RunRecord>> swap(Versioned<RunRecord> expected, RunRecord next) {
        String key = runKey(next.job(), next.runKey());
        try {
            PutObjectResponse put = s3.putObject(r -> r.bucket(bucket).key(key).ifMatch(expected.etag())
                    .contentType("application/json"), RequestBody.fromBytes(JSON.writeValueAsBytes(next)));
            return Optional.of(new Versioned<>(next, put.eTag()));
        } catch (S3Exception e) {
            if (preconditionFailed(e) || conflict(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Points a cluster back to its run; the content never changes, so a plain put is idempotent. */
    public void pointCluster(ClusterPointer pointer) {
        s3.putObject(r -> r.bucket(bucket).key(clusterKey(pointer.clusterId())).contentType("application/json"),
                RequestBody.fromBytes(JSON.writeValueAsBytes(pointer)));
    }

    public Optional<ClusterPointer> cluster(String clusterId) {
        return get(clusterKey(clusterId), ClusterPointer.class).map(Versioned::value);
    }

    private static String clusterKey(String clusterId) {
        return "clusters/" + clusterId + ".json";
    }

    private <T> Optional<Versioned<T>> get(String key, Class<T> type) {
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            return Optional.of(new Versioned<>(JSON.readValue(bytes.asByteArray(), type), bytes.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    private static boolean preconditionFailed(S3Exception e) {
        return e.statusCode() == 412;
    }

    /** S3 answers 409 ConditionalRequestConflict when two conditional writes to one key overlap. */
    private static boolean conflict(S3Exception e) {
        return e.statusCode() == 409;
    }

    /** @param created whether this call wrote the claim; if not, {@code record} is the run as it already was */
    public record Claim(boolean created, Versioned<RunRecord> record) {}
}
