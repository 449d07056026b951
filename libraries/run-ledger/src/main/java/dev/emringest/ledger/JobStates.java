package dev.emringest.ledger;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The incremental jobs' state in the ledger's bucket, {@code state/<job>.json}: watermarks and the in-flight run.
 * The launcher takes the in-flight slot, the recorder moves the watermarks and gives the slot back, both by
 * compare-and-swap.
 */
final class JobStates {

    private final LedgerBucket bucket;
    private final int maxSwaps;

    JobStates(LedgerBucket bucket, int maxSwaps) {
        this.bucket = bucket;
        this.maxSwaps = maxSwaps;
    }

    static String key(String job) {
        return "state/" + job + ".json";
    }

    Optional<Versioned<JobState>> read(String job) {
        return bucket.get(key(job)).map(stored -> new Versioned<>(LedgerJson.jobState(stored.body()), stored.etag()));
    }

    /**
     * Applies {@code change} to the job's state (an empty state when there is none yet) and writes it by
     * compare-and-swap ({@code If-None-Match: *} for the first write, {@code If-Match} after), re-reading and
     * re-applying on a lost race. A change that returns its input writes nothing. Returns the state as it now is.
     */
    JobState update(String job, UnaryOperator<JobState> change) {
        String key = key(job);
        for (int attempt = 0; attempt < maxSwaps; attempt++) {
            Optional<Versioned<JobState>> current = read(job);
            JobState before = current.map(Versioned::value).orElse(JobState.empty(job));
            JobState next = change.apply(before);
            if (next == before) {
                return before;
            }
            byte[] body = LedgerJson.write(next);
            Optional<String> put = current.isPresent() ? bucket.putIfMatch(key, body, current.get().etag())
                    : bucket.putIfAbsent(key, body);
            if (put.isPresent()) {
                return next;
            }
            // Our own write whose answer was lost looks like a lost race: the re-read tells (change is a no-op).
        }
        throw new IllegalStateException("gave up updating " + key + " after " + maxSwaps + " lost races");
    }
}
