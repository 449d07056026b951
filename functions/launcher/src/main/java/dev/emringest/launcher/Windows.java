package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinition.Table;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.RunWindow.TableWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A run's window, a pure function of the job definition, the job's state (watermarks) and the trigger: computed
 * before the claim and recorded in it, so it is fixed before any cluster starts.
 */
final class Windows {

    private Windows() {}

    /**
     * The next regular window: {@code lastmodified} tables [watermark, trigger - lag) (no lower bound before the first
     * success), {@code append} tables the keys above the watermark (all keys before the first success).
     */
    static RunWindow regular(JobDefinition definition, JobState state, Instant trigger,
                             Function<Table, String> manifest) {
        Map<String, TableWindow> tables = new LinkedHashMap<>();
        for (Table table : definition.source().tables()) {
            JobDefinition.Incremental inc = table.incremental();
            if (inc == null) {
                continue;
            }
            JobState.TableState mark = state.table(table.name());
            if (inc.append()) {
                tables.put(table.name(), new TableWindow(inc.mode(), inc.column(), null, null,
                        mark == null ? null : mark.key(), null, manifest.apply(table)));
            } else {
                Instant from = mark == null ? null : mark.time();
                Instant to = trigger.minus(Duration.ofSeconds(inc.lagSeconds()));
                if (from != null && to.isBefore(from)) {
                    to = from; // an empty window: a trigger older than the watermark imports nothing, moves nothing
                }
                tables.put(table.name(), new TableWindow(inc.mode(), inc.column(), from, to, null, null,
                        manifest.apply(table)));
            }
        }
        return new RunWindow(false, tables);
    }

    /** A backfill's window: the request's bounds for each incremental table; a bound the tables need is required. */
    static RunWindow backfill(JobDefinition definition, LaunchRequest.Backfill window, Function<Table, String> manifest) {
        if (!definition.incremental()) {
            throw new InvalidRequestException("window: job '" + definition.job() + "' has no incremental table");
        }
        Map<String, TableWindow> tables = new LinkedHashMap<>();
        for (Table table : definition.source().tables()) {
            JobDefinition.Incremental inc = table.incremental();
            if (inc == null) {
                continue;
            }
            if (inc.append()) {
                if (window.above() == null) {
                    throw new InvalidRequestException("window.above: table '" + table.name()
                            + "' is incremental by key (append): give above and upTo");
                }
                tables.put(table.name(), new TableWindow(inc.mode(), inc.column(), null, null, window.above(),
                        window.upTo(), manifest.apply(table)));
            } else {
                if (window.from() == null) {
                    throw new InvalidRequestException("window.from: table '" + table.name()
                            + "' is incremental by time (lastmodified): give from and to");
                }
                tables.put(table.name(), new TableWindow(inc.mode(), inc.column(), window.from(), window.to(), null,
                        null, manifest.apply(table)));
            }
        }
        return new RunWindow(true, tables);
    }
}
