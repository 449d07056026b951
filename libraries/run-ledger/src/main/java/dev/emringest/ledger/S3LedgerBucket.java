package dev.emringest.ledger;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The ledger's S3 bucket: conditional writes are S3's {@code If-None-Match: *} and {@code If-Match}. */
public final class S3LedgerBucket implements LedgerBucket {

    private static final String JSON = "application/json";

    private final S3Client s3;
    private final String bucket;

    public S3LedgerBucket(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public Optional<Stored> get(String key) {
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
            return Optional.of(new Stored(bytes.asByteArray(), bytes.response().eTag()));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<String> putIfAbsent(String key, byte[] body) {
        return conditional(PutObjectRequest.builder().bucket(bucket).key(key).ifNoneMatch("*").contentType(JSON), body);
    }

    @Override
    public Optional<String> putIfMatch(String key, byte[] body, String etag) {
        return conditional(PutObjectRequest.builder().bucket(bucket).key(key).ifMatch(etag).contentType(JSON), body);
    }

    private Optional<String> conditional(PutObjectRequest.Builder request, byte[] body) {
        try {
            return Optional.of(s3.putObject(request.build(), RequestBody.fromBytes(body)).eTag());
        } catch (S3Exception e) {
            if (raceLost(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** 412: the precondition failed; 409 ConditionalRequestConflict: two conditional writes to one key overlapped. */
    private static boolean raceLost(S3Exception e) {
        return e.statusCode() == 412 || e.statusCode() == 409;
    }

    @Override
    public void put(String key, byte[] body) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType(body.length == 0 ? null : JSON),
                RequestBody.fromBytes(body));
    }

    @Override
    public void delete(String key) {
        s3.deleteObject(r -> r.bucket(bucket).key(key));
    }

    @Override
    public List<Listed> list(String prefix) {
        return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents().stream()
                .map(o -> new Listed(o.key(), o.lastModified())).toList();
    }
}
