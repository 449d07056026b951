package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.RunRecord.Commit;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A table's {@code _manifest.json}, which its run's Spark job writes to the target: how many rows the run wrote, for
 * an {@code append} table the highest key it imported (the watermark moves to it when the run succeeded), for an
 * Iceberg table the run's commit to it; or, for a table that failed in the run, why.
 */
@FunctionalInterface
public interface ManifestReader {

    /**
     * @param maxKey null when the run read no row, or the table is not {@code append}
     * @param commit null when the manifest has no {@code commit} object (a files target)
     * @param error  why the table failed in the run (then there is no row count); null for a table written
     */
    record Manifest(Long rowCount, Long maxKey, Commit commit, String error) {

        /** A table written as files: no commit. */
        public Manifest(Long rowCount, Long maxKey) {
            this(rowCount, maxKey, null, null);
        }
    }

    /** The manifest at this S3 URI; empty when there is none. */
    Optional<Manifest> read(String manifest);

    /**
     * Reads manifests from S3 with the recorder's own client (the ledger's bucket is another matter). A field that is
     * not what it should be (and a {@code commit} without one of its counts) fails the read, naming the field.
     */
    static ManifestReader in(S3Client s3) {
        return manifest -> {
            URI uri = URI.create(manifest);
            String key = uri.getPath().replaceFirst("^/", "");
            try {
                JsonValue document = JsonDocuments.read(s3.getObjectAsBytes(r -> r.bucket(uri.getHost()).key(key))
                        .asUtf8String());
                return Optional.of(new Manifest(integer(manifest, document, "rowCount"),
                        integer(manifest, document, "maxKey"), commit(manifest, document), error(manifest, document)));
            } catch (JsonDocuments.NotJsonException e) {
                throw new IllegalStateException(manifest + ": " + e.getMessage(), e);
            } catch (NoSuchKeyException e) {
                return Optional.empty();
            }
        };
    }

    /**
     * The manifest's {@code commit}: {@code snapshotId} any 64-bit integer, the row counts integers of at least 0.
     * Its {@code table} and {@code committedNow} are not kept: the run's record names the table from its claim.
     */
    private static Commit commit(String manifest, JsonValue document) {
        JsonValue value = document instanceof JsonObject o ? o.get("commit") : null;
        if (value == null || value == JsonValue.NULL) {
            return null;
        }
        if (!(value instanceof JsonObject commit)) {
            throw new IllegalStateException(manifest + ": commit is not an object");
        }
        return new Commit(required(manifest, commit, "snapshotId"), count(manifest, commit, "addedRows"),
                count(manifest, commit, "updatedRows"), count(manifest, commit, "deletedRows"));
    }

    private static String error(String manifest, JsonValue document) {
        JsonValue value = document instanceof JsonObject o ? o.get("error") : null;
        if (value == null || value == JsonValue.NULL) {
            return null;
        }
        if (!(value instanceof JsonString error)) {
            throw new IllegalStateException(manifest + ": error is not a string");
        }
        return error.getString();
    }

    private static long count(String manifest, JsonObject commit, String field) {
        long count = required(manifest, commit, field);
        if (count < 0) {
            throw new IllegalStateException(manifest + ": commit." + field + " is negative");
        }
        return count;
    }

    private static long required(String manifest, JsonObject commit, String field) {
        Long value = integer(manifest, commit, field, "commit.");
        if (value == null) {
            throw new IllegalStateException(manifest + ": commit." + field + " is missing");
        }
        return value;
    }

    private static Long integer(String manifest, JsonValue document, String field) {
        return integer(manifest, document, field, "");
    }

    private static Long integer(String manifest, JsonValue document, String field, String path) {
        JsonValue value = document instanceof JsonObject o ? o.get(field) : null;
        if (value == null || value == JsonValue.NULL) {
            return null;
        }
        if (!(value instanceof JsonNumber number) || !number.isIntegral()) {
            throw new IllegalStateException(manifest + ": " + path + field + " is not an integer");
        }
        try {
            return number.longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalStateException(manifest + ": " + path + field + " is not a 64-bit integer", e);
        }
    }
}
