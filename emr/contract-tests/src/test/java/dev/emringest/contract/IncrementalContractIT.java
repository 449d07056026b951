package dev.emringest.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.cluster.ClusterRun;
import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.launcher.ClusterRequestBuilder;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.launcher.Windows;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunWindow;
import dev.emringest.local.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Incremental imports end to end on the data plane ({@code importer: spark-jdbc}): the launcher's windows
 * ({@code Windows.regular} over the job's state) and step options ({@code ClusterRequestBuilder}), the published
 * {@code spark-jdbc-import.sh} and {@code IngestJob} against MariaDB, and the watermark moves the recorder makes
 * ({@code maxKey} from the manifest for append, the window's end for lastmodified). Three runs; the second fails
 * (wrong password) and is retried with its recorded window. Every row (every row version) is imported exactly once.
 */
class IncrementalContractIT extends ContractTestBase {

    private static final String TARGET = "s3://contract-lake/raw/inc";
    private static final Pattern MAX_KEY = Pattern.compile("\"maxKey\":(-?[0-9]+|null)");


    @BeforeAll
    static void createIncrementalTables() throws Exception {
        sql("DROP TABLE IF EXISTS inc_events, inc_orders",
                "CREATE TABLE inc_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(40) NOT NULL)",
                // TIMESTAMP(6): compared in the session's time zone, which the import sets to UTC
                "CREATE TABLE inc_orders (id INT PRIMARY KEY, status VARCHAR(20) NOT NULL,"
                        + " updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
    }

    private static void sql(String... statements) throws Exception {
        // The test's session in a time zone far from UTC: the import must not depend on the server's or client's.
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("SET time_zone = '+05:00'");
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    /** TIMESTAMP values written in UTC whatever the session's zone. */
    private static String utc(String instant) {
        return "CONVERT_TZ('" + instant.replace("T", " ").replace("Z", "") + "', '+00:00', '+05:00')";
    }

    private static JobDefinition incrementalJob(String passwordParameter) throws Exception {
        Path examples = Path.of(System.getProperty("repo.root"), "examples");
        String job = """
                {"importer": "spark-jdbc",
                 "source": {"jdbcUrl": "%s", "username": "%s", "passwordParameter": "%s", "tables": [
                   {"name": "inc_events", "splitBy": "id", "mappers": 2,
                    "incremental": {"column": "id", "mode": "append"}},
                   {"name": "inc_orders", "incremental": {"column": "updated_at", "mode": "lastmodified",
                    "lagSeconds": 60}}]},
                 "target": {"s3Uri": "%s"},
                 "cluster": {"releaseLabel": "emr-7.10.0"}}"""
                .formatted(db.jdbcUrl(), db.user(), passwordParameter, TARGET);
        return new JobDefinitionParser(PREFIX).parse("inc", defaults(), job,
                "jobs/inc@1");
    }

    private static Path local(String s3Uri) {
        return s3Root.resolve(s3Uri.substring("s3://".length()));
    }

    /**
     * One attempt of a run: the launcher's request for the recorded window, its cluster run locally; whether every
     * step completed.
     */
    private static boolean attempt(JobDefinition definition, RunIdentity run, Instant trigger,
                                   RunWindow window) throws Exception {
        LauncherSettings settings = new LauncherSettings("emr-ingest", MotoServer.REGION, PREFIX, "ledger",
                BUCKET, "svc-role", "instance-profile", List.of(), "", List.of(), List.of());
        ClusterRun result = runCluster(ClusterRequestBuilder.build(definition, run, trigger, window, settings,
                assets));
        if (!result.allCompleted()) {
            assertEquals(List.of("FAILED"), states(result), "one step reads every table");
        }
        return result.allCompleted();
    }

    /** The recorder on a success: append to the manifest's maxKey (unmoved when null), lastmodified to the end. */
    private static JobState settle(JobState state, RunWindow window, Instant now) throws Exception {
        Map<String, JobState.TableState> ends = new LinkedHashMap<>();
        for (Map.Entry<String, RunWindow.TableWindow> e : window.tables().entrySet()) {
            RunWindow.TableWindow w = e.getValue();
            if ("append".equals(w.mode())) {
                Matcher m = MAX_KEY.matcher(Files.readString(local(w.manifest())));
                assertTrue(m.find(), "maxKey in " + w.manifest());
                if (!m.group(1).equals("null")) {
                    ends.put(e.getKey(), new JobState.TableState(w.mode(), null, Long.parseLong(m.group(1))));
                }
            } else {
                ends.put(e.getKey(), new JobState.TableState(w.mode(), w.to(), null));
            }
        }
        return state.advanced(ends, now);
    }

    private static List<String> imported(String table, String runId, String... columns) {
        if (spark == null) {
            spark = SparkSession.builder().getOrCreate();
        }
        Path dir = local(TARGET).resolve(table);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> rows = new ArrayList<>();
        for (Row r : spark.read().parquet(dir.toUri().toString()).where("_run_id = '" + runId + "'")
                .selectExpr(columns).collectAsList()) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length(); i++) {
                line.append(i == 0 ? "" : "|").append(r.get(i) instanceof java.sql.Timestamp t
                        ? t.toInstant().toString() : String.valueOf(r.get(i)));
            }
            rows.add(line.toString());
        }
        return rows;
    }

    @Test
    void threeRunsWithAFailedAndRetriedSecondImportEveryRowVersionExactlyOnce() throws Exception {
        JobDefinition good = incrementalJob(SECRET);
        JobDefinition wrong = incrementalJob(WRONG_SECRET);
        JobState state = JobState.empty("inc");
        List<String> events = new ArrayList<>();  // every event written
        List<String> versions = new ArrayList<>(); // every (id, status, updated_at) version written
        Map<String, Integer> importedEvents = new HashMap<>();
        Map<String, Integer> importedVersions = new HashMap<>();

        // Before run 1 (trigger 02:00, lag 60 s: window up to 01:59:00): two rows, one a microsecond before the end.
        sql("INSERT INTO inc_events (label) VALUES ('e1'), ('e2'), ('e3')",
                "INSERT INTO inc_orders VALUES (1, 'new', " + utc("2026-11-25T01:00:00Z") + "),"
                        + " (2, 'new', " + utc("2026-11-25T01:58:59.999999Z") + "),"
                        + " (3, 'new', " + utc("2026-11-25T01:59:00Z") + ")");
        events.addAll(List.of("1|e1", "2|e2", "3|e3"));
        versions.addAll(List.of("1|new|2026-11-25T01:00:00Z", "2|new|2026-11-25T01:58:59.999999Z",
                "3|new|2026-11-25T01:59:00Z"));

        Instant[] triggers = {Instant.parse("2026-11-25T02:00:00Z"), Instant.parse("2026-11-25T03:00:00Z"),
                Instant.parse("2026-11-25T04:00:00Z")};
        for (int n = 0; n < 3; n++) {
            Instant trigger = triggers[n];
            RunIdentity run = RunIdentity.of("emr-ingest", "inc", trigger.toString());
            RunWindow window = Windows.regular(good, state, trigger, run, trigger);
            if (n == 1) {
                assertEquals(3L, window.tables().get("inc_events").above());
                assertEquals(Instant.parse("2026-11-25T01:59:00Z"), window.tables().get("inc_orders").from());
                assertEquals(Instant.parse("2026-11-25T02:59:00Z"), window.tables().get("inc_orders").to());
                // The first attempt fails; the state does not move; rows keep arriving before the retry.
                assertTrue(!attempt(wrong, run, trigger, window), "run 2's first attempt must fail");
                assertEquals(List.of(), imported("inc_events", run.runId(), "id"));
                sql("INSERT INTO inc_events (label) VALUES ('e6')",
                        "UPDATE inc_orders SET status = 'paid', updated_at = " + utc("2026-11-25T02:30:00Z")
                                + " WHERE id = 1");
                events.add("6|e6");
                versions.add("1|paid|2026-11-25T02:30:00Z");
            }
            assertTrue(attempt(good, run, trigger, window), "run " + (n + 1));
            state = settle(state, window, trigger.plusSeconds(600));
            for (String r : imported("inc_events", run.runId(), "id", "label")) {
                importedEvents.merge(r, 1, Integer::sum);
            }
            for (String r : imported("inc_orders", run.runId(), "id", "status", "updated_at")) {
                importedVersions.merge(r, 1, Integer::sum);
            }
            // Between runs: new keys, new rows, updates (one inside the next window, one beyond it).
            if (n == 0) {
                assertEquals(3L, state.table("inc_events").key());
                sql("INSERT INTO inc_events (label) VALUES ('e4'), ('e5')",
                        "INSERT INTO inc_orders VALUES (4, 'new', " + utc("2026-11-25T02:10:00Z") + ")",
                        "UPDATE inc_orders SET status = 'shipped', updated_at = " + utc("2026-11-25T02:20:00Z")
                                + " WHERE id = 2");
                events.addAll(List.of("4|e4", "5|e5"));
                versions.addAll(List.of("4|new|2026-11-25T02:10:00Z", "2|shipped|2026-11-25T02:20:00Z"));
            } else if (n == 1) {
                assertEquals(6L, state.table("inc_events").key());
                assertEquals(Instant.parse("2026-11-25T02:59:00Z"), state.table("inc_orders").time());
                sql("INSERT INTO inc_events (label) VALUES ('e7')",
                        "UPDATE inc_orders SET status = 'done', updated_at = " + utc("2026-11-25T03:30:00Z")
                                + " WHERE id = 4",
                        "UPDATE inc_orders SET status = 'late', updated_at = " + utc("2026-11-25T03:10:00Z")
                                + " WHERE id = 3");
                events.add("7|e7");
                versions.addAll(List.of("4|done|2026-11-25T03:30:00Z", "3|late|2026-11-25T03:10:00Z"));
            }
        }
        assertEquals(7L, state.table("inc_events").key());
        assertEquals(Instant.parse("2026-11-25T03:59:00Z"), state.table("inc_orders").time());

        Map<String, Integer> once = new HashMap<>();
        events.forEach(e -> once.put(e, 1));
        assertEquals(once, importedEvents, "every event exactly once");
        once.clear();
        versions.forEach(v -> once.put(v, 1));
        assertEquals(once, importedVersions, "every row version exactly once");
    }
}
