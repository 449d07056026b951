package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.JobState.TableState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * What a regular incremental run's outcome does to its job's state ({@code state/<job>.json}): a SUCCEEDED run
 * moves each table's watermark forwards to its window's end ({@code lastmodified}) or to the highest key its import
 * read ({@code append}, from the run's {@code _manifest.json}), and every ended run gives the in-flight slot back.
 * Called before the run's record is written final, so a final record implies a settled state; repeating it is a
 * no-op (watermarks only move forwards, the slot is released only by the run holding it). A backfill never moves it.
 */
final class Watermarks {

    private final Ledger ledger;
    private final S3Client s3;
    private final Clock clock;

    Watermarks(Ledger ledger, S3Client s3, Clock clock) {
        this.ledger = ledger;
        this.s3 = s3;
        this.clock = clock;
    }

    void settle(RunRecord run, RunState outcome) {
        RunWindow window = run.window();
        if (window == null || window.backfill()) {
            return;
        }
        Map<String, TableState> ends = new LinkedHashMap<>();
        if (outcome == RunState.SUCCEEDED) {
            for (Map.Entry<String, RunWindow.TableWindow> table : window.tables().entrySet()) {
                RunWindow.TableWindow w = table.getValue();
                if ("append".equals(w.mode())) {
                    Long max = maxKey(w.manifest());
                    if (max != null) {
                        ends.put(table.getKey(), new TableState(w.mode(), null, max));
                    }
                } else if (w.to() != null) {
                    ends.put(table.getKey(), new TableState(w.mode(), w.to(), null));
                }
            }
        }
        ledger.updateState(run.job(), s -> s.advanced(ends, clock.instant()).released(run.runKey(), clock.instant()));
    }

    /** The highest key an append run read, from its manifest; null when it read no row. */
    private Long maxKey(String manifest) {
        URI uri = URI.create(manifest);
        String key = uri.getPath().replaceFirst("^/", "");
        try {
            JsonValue document = JsonDocuments.read(s3.getObjectAsBytes(r -> r.bucket(uri.getHost()).key(key))
                    .asUtf8String());
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
        } catch (JsonDocuments.NotJsonException e) {
            throw new IllegalStateException(manifest + ": " + e.getMessage(), e);
        } catch (NoSuchKeyException e) {
            // Retried by the next event or the reconcile; the run stays open and its slot held until it is there.
            throw new IllegalStateException("run succeeded but its manifest " + manifest + " is missing: the "
                    + "watermark cannot move without the highest key imported", e);
        }
    }
}
