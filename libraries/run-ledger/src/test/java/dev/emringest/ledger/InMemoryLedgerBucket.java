package dev.emringest.ledger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's bucket in memory, with S3's conditional writes (each write a new ETag, {@code If-None-Match: *} and
 * {@code If-Match} atomic): fast tests of the launch, record and reconcile decisions run against it, no server.
 */
public final class InMemoryLedgerBucket implements LedgerBucket {

    private record Version(byte[] body, String etag, Instant written) {}

    private final Map<String, Version> objects = new TreeMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final Clock clock;

    /** @param clock when objects are written: the open-run index's ages come from it */
    public InMemoryLedgerBucket(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Optional<Stored> get(String key) {
        Version v = objects.get(key);
        return v == null ? Optional.empty() : Optional.of(new Stored(v.body().clone(), v.etag()));
    }

    @Override
    public synchronized Optional<String> putIfAbsent(String key, byte[] body) {
        return objects.containsKey(key) ? Optional.empty() : Optional.of(write(key, body));
    }

    @Override
    public synchronized Optional<String> putIfMatch(String key, byte[] body, String etag) {
        Version v = objects.get(key);
        return v == null || !v.etag().equals(etag) ? Optional.empty() : Optional.of(write(key, body));
    }

    @Override
    public synchronized void put(String key, byte[] body) {
        write(key, body);
    }

    @Override
    public synchronized void delete(String key) {
        objects.remove(key);
    }

    @Override
    public synchronized List<Listed> list(String prefix) {
        List<Listed> listed = new ArrayList<>();
        objects.forEach((key, v) -> {
            if (key.startsWith(prefix)) {
                listed.add(new Listed(key, v.written()));
            }
        });
        return listed;
    }

    private String write(String key, byte[] body) {
        String etag = "\"v" + versions.incrementAndGet() + "\"";
        objects.put(key, new Version(body.clone(), etag, clock.instant()));
        return etag;
    }
}
