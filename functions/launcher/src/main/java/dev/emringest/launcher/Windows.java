package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinition.Table;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.RunWindow.TableWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run's window, a pure function of the job definition, the job's state (watermarks) and the trigger: computed
 * before the claim and recorded in it, so it is fixed before any cluster starts. Each table's window names the
 * manifest its run's Spark job writes ({@link ImportSteps#manifest}), where an append run reports its highest key.
 * {@link IncrementalRuns} decides which window a run gets.
 */
public final class Windows {

    private Windows() {}

    /**
     * The next regular window: {@code lastmodified} tables [watermark, trigger - lag) (no lower bound before the first
     * success), {@code append} tables the keys above the watermark (all keys before the first success).
     */
    public static RunWindow regular(JobDefinition definition, JobState state, Instant trigger, RunIdentity run,
                                    Instant claimedAt) {
        return new RunWindow(false, each(definition, run, claimedAt, (table, inc, manifest) -> {
            JobState.TableState mark = state.table(table.name());
            if (inc.append()) {
                return new TableWindow(inc.mode().json(), inc.column(), null, null, mark == null ? null : mark.key(),
                        null, manifest);
            }
            Instant from = mark == null ? null : mark.time();
            Instant to = trigger.minus(Duration.ofSeconds(inc.lagSeconds()));
            if (from != null && to.isBefore(from)) {
                to = from; // an empty window: a trigger older than the watermark imports nothing, moves nothing
            }
            return new TableWindow(inc.mode().json(), inc.column(), from, to, null, null, manifest);
        }));
    }

    /** A backfill's window: the request's bounds for each incremental table; a bound the tables need is required. */
    static RunWindow backfill(JobDefinition definition, LaunchRequest.Backfill window, RunIdentity run,
                              Instant claimedAt) {
        if (!definition.incremental()) {
            throw new InvalidRequestException("window: job '" + definition.job() + "' has no incremental table");
        }
        return new RunWindow(true, each(definition, run, claimedAt, (table, inc, manifest) -> {
            if (inc.append()) {
                if (window.above() == null) {
                    throw new InvalidRequestException("window.above: table '" + table.name()
                            + "' is incremental by key (append): give above and upTo");
                }
                return new TableWindow(inc.mode().json(), inc.column(), null, null, window.above(), window.upTo(),
                        manifest);
            }
            if (window.from() == null) {
                throw new InvalidRequestException("window.from: table '" + table.name()
                        + "' is incremental by time (lastmodified): give from and to");
            }
            return new TableWindow(inc.mode().json(), inc.column(), window.from(), window.to(), null, null, manifest);
        }));
    }

    private interface TableRule {
        TableWindow window(Table table, JobDefinition.Incremental inc, String manifest);
    }

    /** Each incremental table's window by {@code rule}, in the definition's order. */
    private static Map<String, TableWindow> each(JobDefinition definition, RunIdentity run, Instant claimedAt,
                                                 TableRule rule) {
        Map<String, TableWindow> tables = new LinkedHashMap<>();
        for (Table table : definition.source().tables()) {
            if (table.incremental() != null) {
                tables.put(table.name(), rule.window(table, table.incremental(),
                        ImportSteps.manifest(definition, table, run, claimedAt)));
            }
        }
        return tables;
    }
}
