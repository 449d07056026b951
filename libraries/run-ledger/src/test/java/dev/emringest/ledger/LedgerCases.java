package dev.emringest.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger's conditional writes, the same cases against each {@link LedgerBucket}: {@link LedgerIT} against moto
 * server's S3, {@link LedgerTest} in memory (what the functions' fast tests stand on).
 */
abstract class LedgerCases {

    static final Instant NOW = Instant.parse("2026-11-25T02:00:00Z");
    private Ledger ledger;

    /** An empty bucket for one case. */
    abstract LedgerBucket freshBucket();

    @BeforeEach
    void freshLedger() {
        ledger = new Ledger(freshBucket());
    }

    @Test
    void theFirstClaimWinsAndTheSecondSeesIt() {
        Ledger.Claim first = ledger.claim(RunRecord.claim("orders", "k1", "attempt-1", "stack-orders-abc", "v1", NOW));
        Ledger.Claim second = ledger.claim(RunRecord.claim("orders", "k1", "attempt-2", "stack-orders-abc", "v2", NOW));

        assertTrue(first.created());
        assertFalse(second.created());
        assertEquals("v1", second.record().value().definitionVersion(), "the second claim must not overwrite");
    }

    @Test
    void concurrentClaimsHaveExactlyOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Ledger.Claim>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String version = "v" + i;
            claims.add(pool.submit(() -> ledger.claim(RunRecord.claim("orders", "k2", version, "n", version, NOW))));
        }
        int winners = 0;
        for (Future<Ledger.Claim> claim : claims) {
            winners += claim.get().created() ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, winners);
    }

    @Test
    void concurrentUpdatesAreAllApplied() throws Exception {
        ledger.claim(RunRecord.claim("orders", "k3", "a", "n", "v1", NOW));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> updates = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String id = "s-" + i;
            updates.add(pool.submit(() -> ledger.update("orders", "k3", r -> r.withStep(
                    new RunRecord.StepOutcome(id, "step " + id, "COMPLETED", null, null, null), NOW))));
        }
        for (Future<?> update : updates) {
            update.get();
        }
        pool.shutdown();
        assertEquals(8, ledger.read("orders", "k3").orElseThrow().value().steps().size(),
                "compare-and-swap must not lose a concurrent step update");
    }

    @Test
    void anAttemptThatMeetsItsOwnClaimOwnsIt() {
        RunRecord mine = RunRecord.claim("orders", "k5", "attempt-7", "n", "v1", NOW);
        assertTrue(ledger.claim(mine).created());
        // what a retried PUT whose first answer was lost looks like: 412 against our own record
        assertTrue(ledger.claim(mine).created(), "the same attempt's record is its own claim");
        assertFalse(ledger.claim(RunRecord.claim("orders", "k5", "attempt-8", "n", "v1", NOW)).created());
    }

    @Test
    void openRunsAreIndexedUntilFinalAndAnnounced() {
        ledger.claim(RunRecord.claim("orders", "k6", "a", "n", "v1", NOW));
        ledger.claim(RunRecord.claim("invoices", "k7", "a", "n", "v1", NOW));
        assertEquals(List.of("invoices/k7", "orders/k6"),
                ledger.openRuns().stream().map(o -> o.job() + "/" + o.runKey()).sorted().toList());

        ledger.update("orders", "k6", r -> r.launched("j-1", NOW));
        assertEquals(2, ledger.openRuns().size(), "launched is not final");
        RunRecord ended = ledger.update("orders", "k6", r -> r.ended(RunState.SUCCEEDED, List.of(), null, NOW))
                .orElseThrow().record().value();
        assertEquals(List.of(new RunRecord.Transition(RunState.LAUNCHED, NOW),
                new RunRecord.Transition(RunState.SUCCEEDED, NOW)), ended.history());
        assertEquals(2, ledger.openRuns().size(), "final, but not announced yet");
        ledger.update("orders", "k6", r -> r.withAnnounced(1));
        assertEquals(2, ledger.openRuns().size(), "SUCCEEDED is not announced yet");
        ledger.update("orders", "k6", r -> r.withAnnounced(2));
        assertEquals(List.of("invoices/k7"), ledger.openRuns().stream().map(o -> o.job() + "/" + o.runKey()).toList());
    }

    @Test
    void aFinalClaimIsIndexedUntilAnnounced() {
        Versioned<RunRecord> failed = ledger.claim(RunRecord.launchFailed("orders", "k8", "a", "n",
                new RunRecord.Failure(RunRecord.INVALID_DEFINITION, "bad", null), NOW)).record();
        assertEquals(List.of("orders/k8"), ledger.openRuns().stream().map(o -> o.job() + "/" + o.runKey()).toList(),
                "the reconcile announces what the launcher recorded");
        ledger.swap(failed, failed.value().withAnnounced(1)).orElseThrow();
        assertTrue(ledger.openRuns().isEmpty());
    }

    @Test
    void aFailedLaunchTakenOverIsOpenAgain() {
        Versioned<RunRecord> failed = ledger.claim(RunRecord.launchFailed("orders", "k10", "a", "n",
                new RunRecord.Failure(RunRecord.INVALID_DEFINITION, "bad", null), NOW)).record();
        failed = ledger.swap(failed, failed.value().withAnnounced(1)).orElseThrow();
        assertTrue(ledger.openRuns().isEmpty());
        ledger.swap(failed, failed.value().reclaimed("b", "v2", NOW.plusSeconds(60))).orElseThrow();
        assertEquals(List.of("orders/k10"), ledger.openRuns().stream().map(o -> o.job() + "/" + o.runKey()).toList());
    }

    @Test
    void aSwapThatLostItsAnswerStillWins() {
        Versioned<RunRecord> claimed = ledger.claim(RunRecord.claim("orders", "k9", "a", "n", "v1", NOW)).record();
        RunRecord next = claimed.value().reclaimed("b", "v2", NOW.plusSeconds(300));
        assertTrue(ledger.swap(claimed, next).isPresent());
        assertTrue(ledger.swap(claimed, next).isPresent(), "a retried swap meeting its own write has won");
        assertTrue(ledger.swap(claimed, claimed.value().reclaimed("c", "v2", NOW.plusSeconds(301))).isEmpty());
    }

    @Test
    void anUnchangedRecordIsNotWritten() {
        Versioned<RunRecord> claimed = ledger.claim(RunRecord.claim("orders", "k4", "a", "n", "v1", NOW)).record();
        Ledger.Updated same = ledger.update("orders", "k4", r -> r).orElseThrow();
        assertFalse(same.written());
        assertEquals(claimed.etag(), same.record().etag());
        assertTrue(ledger.update("orders", "k4", r -> r.launched("j-1", NOW)).orElseThrow().written());
        assertTrue(ledger.update("orders", "nothing-here", r -> r.launched("j-1", NOW)).isEmpty());
    }

    @Test
    void recordsRoundTripWithTimestampsAndPointers() {
        ledger.claim(RunRecord.claim("orders", "2026-11-25T02:00:00Z", "a", "n", "v1", NOW));
        ledger.update("orders", "2026-11-25T02:00:00Z", r -> r.launched("j-ABC", NOW.plusSeconds(5)));
        ledger.pointCluster(new ClusterPointer("j-ABC", "orders", "2026-11-25T02:00:00Z"));

        RunRecord read = ledger.read("orders", "2026-11-25T02:00:00Z").orElseThrow().value();
        assertEquals(RunState.LAUNCHED, read.state());
        assertEquals(NOW.plusSeconds(5), read.launchedAt());
        assertEquals("orders", ledger.cluster("j-ABC").orElseThrow().job());
        assertTrue(ledger.cluster("j-NONE").isEmpty());
        assertSame(RunState.LAUNCHED, read.state());
    }

    @Test
    void concurrentSlotTakersHaveOneWinnerAndWatermarksOnlyMoveForwards() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<JobState>> takers = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String runKey = "run-" + i;
            takers.add(pool.submit(() -> ledger.updateState("orders",
                    st -> st.inFlight() == null ? st.holding(runKey, NOW) : st)));
        }
        for (Future<JobState> taker : takers) {
            taker.get();
        }
        pool.shutdown();
        String holder = ledger.readState("orders").orElseThrow().value().inFlight();
        assertTrue(holder.startsWith("run-"));

        Instant t1 = NOW.plusSeconds(3600);
        JobState.TableState at1 = new JobState.TableState("lastmodified", t1, null);
        ledger.updateState("orders", st -> st.advanced(java.util.Map.of("orders", at1), NOW).released(holder, NOW));
        JobState after = ledger.readState("orders").orElseThrow().value();
        assertEquals(t1, after.table("orders").time());
        assertEquals(null, after.inFlight());
        String etag = ledger.readState("orders").orElseThrow().etag();
        JobState.TableState older = new JobState.TableState("lastmodified", NOW, null);
        ledger.updateState("orders", st -> st.advanced(java.util.Map.of("orders", older), NOW).released(holder, NOW));
        assertEquals(etag, ledger.readState("orders").orElseThrow().etag(), "an older end writes nothing");
    }

    @Test
    void aJobIsStaleOncePerPeriodAndFreshAgainAfterASuccess() {
        JobFreshness daily = new JobFreshness("orders", 1440, true, NOW);
        assertEquals(NOW.plusSeconds(86_400), daily.staleAt(null), "a job that never succeeded: from when it was held");
        assertEquals(NOW.plusSeconds(90_000), daily.staleAt(NOW.plusSeconds(3600)));
        ledger.putFreshness(daily);
        assertEquals(List.of("orders"), ledger.freshJobs());
        assertEquals(daily, ledger.freshness("orders").orElseThrow());

        Instant staleAt = NOW.plusSeconds(86_400);
        JobState stale = ledger.updateState("orders", st -> st.stale(staleAt, staleAt));
        assertEquals(staleAt, stale.staleSince());
        assertFalse(stale.staleAnnounced());
        assertTrue(ledger.updateState("orders", st -> st.staleAnnounced(staleAt)).staleAnnounced());
        String etag = ledger.readState("orders").orElseThrow().etag();
        ledger.updateState("orders", st -> st.stale(staleAt.plusSeconds(900), staleAt.plusSeconds(900))
                .staleAnnounced(staleAt.plusSeconds(900)));
        assertEquals(etag, ledger.readState("orders").orElseThrow().etag(), "still the same stale period");

        JobState fresh = ledger.updateState("orders", st -> st.succeeded(staleAt.plusSeconds(1800), staleAt));
        assertEquals(null, fresh.staleSince());
        assertFalse(fresh.staleAnnounced());
        assertEquals(staleAt.plusSeconds(1800), fresh.lastSucceededAt());
        assertEquals(fresh, ledger.updateState("orders", st -> st.succeeded(staleAt, staleAt)), "an older success");

        ledger.deleteFreshness("orders");
        assertEquals(List.of(), ledger.freshJobs());
    }
}
