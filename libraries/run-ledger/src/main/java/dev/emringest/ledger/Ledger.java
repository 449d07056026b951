package dev.emringest.ledger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The run ledger in S3 (a {@link LedgerBucket}). A claim is {@code PutObject If-None-Match: *}; every later change is
 * compare-and-swap with {@code If-Match: <etag>}, retried on a lost race, so concurrent writers never overwrite each
 * other. The jobs' incremental state ({@code state/<job>.json}) is {@link JobStates}'.
 *
 * <p>{@code open/<job>/<runKey>} lists the runs that are not final or not yet announced, so the reconcile reads only
 * those: the marker is written before the claim and removed once the record is final and every state it was in has
 * been announced as a run event.
 */
public final class Ledger {

    /** Enough for a burst of duplicate events; each retry re-reads, so it converges. */
    private static final int MAX_SWAPS = 20;
    private static final String OPEN = "open/";

    private final LedgerBucket bucket;
    private final JobStates states;

    public Ledger(S3Client s3, String bucket) {
        this(new S3LedgerBucket(s3, bucket));
    }

    public Ledger(LedgerBucket bucket) {
        this.bucket = bucket;
        this.states = new JobStates(bucket, MAX_SWAPS);
    }

    /**
     * Writes and reads back a record and a pointer in memory, as the ledger does with S3's objects, and builds the S3
     * request and answer types it uses, without calling S3: priming (the launcher's init, the recorder's SnapStart
     * checkpoint). Fixed values only: nothing unique ends up in a snapshot.
     */
    public static void prime() {
        // The S3 request and answer types the ledger uses: their classes' first use is costly (about a hundred
        // field accessors each).
        GetObjectRequest.builder().bucket("priming").key("priming").build();
        GetObjectResponse.builder().eTag("priming").contentLength(0L).build();
        PutObjectRequest.builder().bucket("priming").key("priming").ifNoneMatch("*").contentType("application/json")
                .build();
        PutObjectResponse.builder().eTag("priming").build();
        RunRecord record = RunRecord.claim("priming", "priming", "priming", "priming", "priming", Instant.EPOCH)
                .launched("j-PRIMING", Instant.EPOCH);
        LedgerJson.runRecord(LedgerJson.write(record));
        LedgerJson.clusterPointer(LedgerJson.write(new ClusterPointer("j-PRIMING", "priming", "priming")));
    }

    public static String recordKey(String job, String runKey) {
        return "runs/" + job + "/" + runKey + ".json";
    }

    /**
     * Writes the claim if no record exists; otherwise returns the record that does. A claim this same attempt
     * already wrote (its first answer was lost and the SDK retried) counts as created.
     */
    public Claim claim(RunRecord record) {
        String key = recordKey(record.job(), record.runKey());
        // Also for a run that is final from its claim (LAUNCH_FAILED, SKIPPED): the reconcile announces it.
        markOpen(record);
        for (int attempt = 0; attempt < MAX_SWAPS; attempt++) {
            Optional<String> put = bucket.putIfAbsent(key, LedgerJson.write(record));
            if (put.isPresent()) {
                return new Claim(true, new Versioned<>(record, put.get()));
            }
            Optional<Versioned<RunRecord>> existing = read(record.job(), record.runKey());
            if (existing.isPresent()) {
                RunRecord found = existing.get().value();
                if (closed(found) && found.state() != RunState.LAUNCH_FAILED) {
                    closeOpen(record.job(), record.runKey());  // the run ended for good: no open run owns the marker
                }
                return new Claim(existing.get().value().equals(record), existing.get());
            }
            // 409: a concurrent write was still in flight and nothing is visible yet; try again.
        }
        throw new IllegalStateException("gave up claiming " + key + " after " + MAX_SWAPS + " conflicts");
    }

    public Optional<Versioned<RunRecord>> read(String job, String runKey) {
        return get(recordKey(job, runKey), LedgerJson::runRecord);
    }

    /** The record after {@link #update}, and whether this update wrote it (a change may find nothing to do). */
    public record Updated(Versioned<RunRecord> record, boolean written) {}

    /**
     * Applies {@code change} to the current record and writes it if the record has not moved since it was read;
     * on a lost race it reads again and re-applies. A change that returns its input writes nothing. Empty when
     * there is no record.
     */
    public Optional<Updated> update(String job, String runKey, UnaryOperator<RunRecord> change) {
        return update(job, runKey, null, change);
    }

    /** As {@link #update(String, String, UnaryOperator)}, starting from {@code known} (if not null) instead of a read. */
    private Optional<Updated> update(String job, String runKey, Versioned<RunRecord> known,
                                     UnaryOperator<RunRecord> change) {
        for (int attempt = 0; attempt < MAX_SWAPS; attempt++) {
            Optional<Versioned<RunRecord>> current = attempt == 0 && known != null ? Optional.of(known)
                    : read(job, runKey);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            RunRecord next = change.apply(current.get().value());
            if (next == current.get().value()) {
                return Optional.of(new Updated(current.get(), false));
            }
            Optional<Versioned<RunRecord>> written = swap(current.get(), next);
            if (written.isPresent()) {
                return Optional.of(new Updated(written.get(), true));
            }
        }
        throw new IllegalStateException("gave up updating " + recordKey(job, runKey) + " after " + MAX_SWAPS
                + " lost races");
    }

    /**
     * One compare-and-swap from {@code expected} to {@code next}: present when this caller won, empty when the
     * record moved first. Used alone to take over a claim, where exactly one contender may win.
     */
    public Optional<Versioned<RunRecord>> swap(Versioned<RunRecord> expected, RunRecord next) {
        String key = recordKey(next.job(), next.runKey());
        if (closed(expected.value()) && !closed(next)) {
            markOpen(next);  // a LAUNCH_FAILED run taken over is open again, and must be found by the reconcile
        }
        Optional<String> put = bucket.putIfMatch(key, LedgerJson.write(next), expected.etag());
        if (put.isPresent()) {
            closeIfFinal(expected.value(), next);
            return Optional.of(new Versioned<>(next, put.get()));
        }
        // Our own write whose answer was lost looks exactly like a lost race: tell them apart by content.
        Optional<Versioned<RunRecord>> now = read(next.job(), next.runKey());
        if (now.isPresent() && now.get().value().equals(next)) {
            closeIfFinal(expected.value(), next);
            return now;
        }
        return Optional.empty();
    }

    private void closeIfFinal(RunRecord before, RunRecord after) {
        if (closed(after) && !closed(before)) {
            closeOpen(after.job(), after.runKey());
        }
    }

    /** A run leaves the open index when it is final and every state it was in has been announced. */
    public static boolean closed(RunRecord run) {
        return run.state().terminal() && run.fullyAnnounced();
    }

    /** An entry of the open-run index. */
    public record OpenRun(String job, String runKey, Instant since) {}

    /** The runs that are not final or not fully announced (and, briefly, some that just became both). */
    public List<OpenRun> openRuns() {
        List<OpenRun> runs = new ArrayList<>();
        for (LedgerBucket.Listed object : bucket.list(OPEN)) {
            String[] parts = object.key().substring(OPEN.length()).split("/", 2);
            if (parts.length == 2) {
                runs.add(new OpenRun(parts[0], parts[1], object.lastModified()));
            }
        }
        return runs;
    }

    private void markOpen(RunRecord record) {
        bucket.put(OPEN + record.job() + "/" + record.runKey(), new byte[0]);
    }

    public void closeOpen(String job, String runKey) {
        bucket.delete(OPEN + job + "/" + runKey);
    }

    /** Points a cluster back to its run; the content never changes, so a plain put is idempotent. */
    public void pointCluster(ClusterPointer pointer) {
        bucket.put(clusterKey(pointer.clusterId()), LedgerJson.write(pointer));
    }

    public Optional<ClusterPointer> cluster(String clusterId) {
        return get(clusterKey(clusterId), LedgerJson::clusterPointer).map(Versioned::value);
    }

    /**
     * Records that the run's cluster exists. A record that already names a cluster or is final stays as it is. The
     * cluster's pointer ({@link #pointCluster}) is the recorder's to write, from the cluster's tags at its first event.
     */
    public Optional<Updated> markLaunched(String job, String runKey, String clusterId, Instant now) {
        return markLaunched(job, runKey, null, clusterId, now);
    }

    /**
     * As {@link #markLaunched(String, String, String, Instant)} by the attempt that holds the run's record as
     * {@code held}: its compare-and-swap needs no read first, unless the record has moved since.
     */
    public Optional<Updated> markLaunched(Versioned<RunRecord> held, String clusterId, Instant now) {
        return markLaunched(held.value().job(), held.value().runKey(), held, clusterId, now);
    }

    private Optional<Updated> markLaunched(String job, String runKey, Versioned<RunRecord> held, String clusterId,
                                           Instant now) {
        return update(job, runKey, held,
                r -> r.clusterId() == null && !r.state().terminal() ? r.launched(clusterId, now) : r);
    }

    /** The incremental job's watermarks and in-flight run; empty before its first incremental run. */
    public Optional<Versioned<JobState>> readState(String job) {
        return states.read(job);
    }

    /** See {@link JobStates#update}: compare-and-swap of {@code state/<job>.json}, the state as it now is. */
    public JobState updateState(String job, UnaryOperator<JobState> change) {
        return states.update(job, change);
    }

    private static final String FRESHNESS = "freshness/";

    /** Holds the job to a freshness; the schedule sync's write, so a plain put. */
    public void putFreshness(JobFreshness freshness) {
        bucket.put(FRESHNESS + freshness.job() + ".json", LedgerJson.write(freshness));
    }

    public Optional<JobFreshness> freshness(String job) {
        return get(FRESHNESS + job + ".json", LedgerJson::jobFreshness).map(Versioned::value);
    }

    /** The jobs held to a freshness, by name. */
    public List<String> freshJobs() {
        return bucket.list(FRESHNESS).stream().map(o -> o.key().substring(FRESHNESS.length()))
                .filter(name -> name.endsWith(".json")).map(name -> name.substring(0, name.length() - 5)).sorted()
                .toList();
    }

    public void deleteFreshness(String job) {
        bucket.delete(FRESHNESS + job + ".json");
    }

    private static String clusterKey(String clusterId) {
        return "clusters/" + clusterId + ".json";
    }

    private <T> Optional<Versioned<T>> get(String key, Function<byte[], T> reader) {
        return bucket.get(key).map(stored -> new Versioned<>(reader.apply(stored.body()), stored.etag()));
    }

    /** @param created whether this attempt wrote the claim; if not, {@code record} is the run as it already was */
    public record Claim(boolean created, Versioned<RunRecord> record) {}
}
