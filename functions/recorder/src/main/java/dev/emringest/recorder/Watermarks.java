package dev.emringest.recorder;

import dev.emringest.ledger.JobState;
import dev.emringest.ledger.JobState.TableState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a regular incremental run's outcome does to its job's state ({@code state/<job>.json}): a SUCCEEDED run
 * moves each table's watermark forwards to its window's end ({@code lastmodified}) or to the highest key its import
 * read ({@code append}, from the run's {@code _manifest.json}), and every ended run gives the in-flight slot back.
 * Called before the run's record is written final, so a final record implies a settled state; repeating it is a
 * no-op (watermarks only move forwards, the slot is released only by the run holding it). A backfill never moves it.
 * Any job's SUCCEEDED run, backfills included, also moves the job's last success forward: its freshness.
 */
final class Watermarks {

    private final Ledger ledger;
    private final ManifestReader manifests;
    private final Clock clock;

    Watermarks(Ledger ledger, ManifestReader manifests, Clock clock) {
        this.ledger = ledger;
        this.manifests = manifests;
        this.clock = clock;
    }

    void settle(RunRecord run, RunState outcome) {
        RunWindow window = run.window();
        if (window == null || window.backfill()) {
            if (outcome == RunState.SUCCEEDED) {
                ledger.updateState(run.job(), s -> s.succeeded(clock.instant(), clock.instant()));
            }
            return;
        }
        Map<String, TableState> ends = new LinkedHashMap<>();
        if (outcome == RunState.SUCCEEDED) {
            for (Map.Entry<String, RunWindow.TableWindow> table : window.tables().entrySet()) {
                RunWindow.TableWindow w = table.getValue();
                if ("append".equals(w.mode())) {
                    // Retried by the next event or the reconcile; the run stays open and its slot held until it is.
                    Long max = manifests.read(w.manifest()).orElseThrow(() -> new IllegalStateException(
                            "run succeeded but its manifest " + w.manifest() + " is missing: the watermark cannot"
                                    + " move without the highest key imported")).maxKey();
                    if (max != null) {
                        ends.put(table.getKey(), new TableState(w.mode(), null, max));
                    }
                } else if (w.to() != null) {
                    ends.put(table.getKey(), new TableState(w.mode(), w.to(), null));
                }
            }
        }
        ledger.updateState(run.job(), s -> {
            JobState settled = s.advanced(ends, clock.instant()).released(run.runKey(), clock.instant());
            return outcome == RunState.SUCCEEDED ? settled.succeeded(clock.instant(), clock.instant()) : settled;
        });
    }
}
