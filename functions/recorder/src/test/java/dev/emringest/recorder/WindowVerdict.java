package dev.emringest.recorder;

import static dev.emringest.recorder.IncrementalJobOnMoto.KEYED;
import static dev.emringest.recorder.IncrementalJobOnMoto.TIMED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** What {@link WindowSimulationIT} holds the runs to: windows that tile, watermarks that never go back. */
final class WindowVerdict {

    private WindowVerdict() {}

    static void assertTiling(IncrementalJobOnMoto stack, List<String> backfills) {
        List<RunRecord> ok = stack.regularRuns().stream().filter(r -> r.state() == RunState.SUCCEEDED)
                .sorted(Comparator.comparing(r -> r.window().tables().get(TIMED).to())).toList();
        assertTrue(ok.size() >= 2, "the simulation should have succeeded a few times: " + ok.size());
        Instant end = null;
        Long keyEnd = null;
        for (RunRecord r : ok) {
            RunWindow.TableWindow timed = r.window().tables().get(TIMED);
            assertEquals(end, timed.from(), r.runKey() + ": a gap or an overlap before its window");
            assertTrue(timed.from() == null || !timed.to().isBefore(timed.from()), r.runKey() + ": window backwards");
            end = timed.to();
            RunWindow.TableWindow keyed = r.window().tables().get(KEYED);
            assertEquals(keyEnd, keyed.above(), r.runKey() + ": a key gap or overlap");
            Long max = stack.manifestMax(keyed.manifest());
            if (max != null) {
                assertTrue(keyed.above() == null || max > keyed.above());
                keyEnd = max;
            }
        }
        assertEquals(end, mark(stack.state(), TIMED).map(JobState.TableState::time).orElse(null),
                "the watermark is the end of the last successful window");
        assertEquals(keyEnd, mark(stack.state(), KEYED).map(JobState.TableState::key).orElse(null));
        for (String backfill : backfills) {
            assertEquals(RunState.SUCCEEDED, stack.record(backfill).state());
        }
    }

    static void assertForwards(JobState before, JobState after) {
        for (String table : List.of(TIMED, KEYED)) {
            JobState.TableState b = before.table(table);
            JobState.TableState a = after.table(table);
            if (b == null) {
                continue;
            }
            if (a == null) {
                fail(table + ": watermark removed");
            }
            if (b.time() != null && a.time().isBefore(b.time())) {
                fail(table + ": watermark went back from " + b.time() + " to " + a.time());
            }
            if (b.key() != null && a.key() < b.key()) {
                fail(table + ": watermark went back from " + b.key() + " to " + a.key());
            }
        }
    }

    static Optional<JobState.TableState> mark(JobState state, String table) {
        return Optional.ofNullable(state.table(table));
    }
}
