package dev.emringest.recorder;

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
            return;
        }
        Map<String, TableState> ends = new LinkedHashMap<>();
        if (outcome == RunState.SUCCEEDED) {
            for (Map.Entry<String, RunWindow.TableWindow> table : window.tables().entrySet()) {
                RunWindow.TableWindow w = table.getValue();
                if ("append".equals(w.mode())) {
                    Long max = manifests.maxKey(w.manifest());
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
}
