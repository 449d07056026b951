package dev.emringest.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The objects the ledger keeps, with S3's conditional writes: every version of an object has an ETag, and a write
 * may require that no object exists yet ({@code If-None-Match: *}) or that the object is still the version read
 * ({@code If-Match}). {@link S3LedgerBucket} is the bucket itself; tests may keep the objects in memory.
 */
public interface LedgerBucket {

    /** An object's content and the ETag of that version. */
    record Stored(byte[] body, String etag) {}

    /** A listed object's key and when it was last written. */
    record Listed(String key, Instant lastModified) {}

    Optional<Stored> get(String key);

    /** Writes only if no object exists: the new ETag, or empty when another write got there first. */
    Optional<String> putIfAbsent(String key, byte[] body);

    /** Writes only if the object is still at {@code etag}: the new ETag, or empty when it has moved. */
    Optional<String> putIfMatch(String key, byte[] body, String etag);

    /** Writes whatever is there (idempotent contents only). */
    void put(String key, byte[] body);

    void delete(String key);

    List<Listed> list(String prefix);
}
