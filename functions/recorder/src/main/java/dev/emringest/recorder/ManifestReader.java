package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A table's {@code _manifest.json}, which its run's Spark job writes to the target: how many rows the run wrote, and
 * for an {@code append} table the highest key it imported (the watermark moves to it when the run succeeded).
 */
@FunctionalInterface
public interface ManifestReader {

    /** @param maxKey null when the run read no row, or the table is not {@code append} */
    record Manifest(Long rowCount, Long maxKey) {}

    /** The manifest at this S3 URI; empty when there is none. */
    Optional<Manifest> read(String manifest);

    /** Reads manifests from S3 with the recorder's own client (the ledger's bucket is another matter). */
    static ManifestReader in(S3Client s3) {
        return manifest -> {
            URI uri = URI.create(manifest);
            String key = uri.getPath().replaceFirst("^/", "");
            try {
                JsonValue document = JsonDocuments.read(s3.getObjectAsBytes(r -> r.bucket(uri.getHost()).key(key))
                        .asUtf8String());
                return Optional.of(new Manifest(integer(manifest, document, "rowCount"),
                        integer(manifest, document, "maxKey")));
            } catch (JsonDocuments.NotJsonException e) {
                throw new IllegalStateException(manifest + ": " + e.getMessage(), e);
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            }
        };
    }

    private static Long integer(String manifest, JsonValue document, String field) {
        JsonValue value = document instanceof JsonObject o ? o.get(field) : null;
        if (value == null || value == JsonValue.NULL) {
            return null;
        }
        if (!(value instanceof JsonNumber number) || !number.isIntegral()) {
            throw new IllegalStateException(manifest + ": " + field + " is not an integer");
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalStateException(manifest + ": " + field + " is not a 64-bit integer", e);
        }
    }
}
