package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URI;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * The highest key an {@code append} run imported, from the {@code _manifest.json} its Spark step wrote to the target:
 * the watermark moves to it when the run succeeded. Null when the run read no row.
 */
@FunctionalInterface
public interface ManifestReader {

    Long maxKey(String manifest);

    /** Reads manifests from S3 with the recorder's own client (the ledger's bucket is another matter). */
    static ManifestReader in(S3Client s3) {
        return manifest -> {
            URI uri = URI.create(manifest);
            String key = uri.getPath().replaceFirst("^/", "");
            try {
                return maxKey(manifest, JsonDocuments.read(s3.getObjectAsBytes(r -> r.bucket(uri.getHost()).key(key))
                        .asUtf8String()));
            } catch (JsonDocuments.NotJsonException e) {
                throw new IllegalStateException(manifest + ": " + e.getMessage(), e);
            } catch (NoSuchKeyException e) {
                // Retried by the next event or the reconcile; the run stays open and its slot held until it is there.
                throw new IllegalStateException("run succeeded but its manifest " + manifest + " is missing: the "
                        + "watermark cannot move without the highest key imported", e);
            }
        };
    }

    private static Long maxKey(String manifest, JsonValue document) {
        JsonValue max = document instanceof JsonObject o ? o.get("maxKey") : null;
        if (max == null || max == JsonValue.NULL) {
            return null;
        }
        if (!(max instanceof JsonNumber number) || !number.isIntegral()) {
            throw new IllegalStateException(manifest + ": maxKey is not an integer");
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalStateException(manifest + ": maxKey is not a 64-bit integer", e);
        }
    }
}
