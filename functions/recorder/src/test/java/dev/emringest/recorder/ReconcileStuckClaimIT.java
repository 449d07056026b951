package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Claims no cluster was recorded for, and open/ markers no claim followed. */
class ReconcileStuckClaimIT extends ReconcileAgainstMoto {

    // ---- 4. a stuck claim whose cluster exists ------------------------------------------------------------------

    @Test
    void aStuckClaimWhoseClusterRunsIsAdopted() {
        String runKey = "stuck-with-cluster";
        String clusterId = launchThenLoseTheRecording(runKey);
        assertActive(clusterId);

        clock.advance(ReconcileService.STUCK_AFTER.minusMinutes(5));
        Versioned<RunRecord> young = versioned(runKey);
        assertEquals(summary(1, 0, 0, 0, 0, 0, 1), reconcile(), "a claim younger than STUCK_AFTER is left alone");
        assertEquals(young, versioned(runKey));

        clock.advance(Duration.ofMinutes(6));
        assertEquals(summary(1, 0, 1, 0, 0, 1, 0), reconcile(), "adopted, and its LAUNCHED state announced");
        RunRecord run = record(runKey);
        assertEquals(RunState.LAUNCHED, run.state());
        assertEquals(clusterId, run.clusterId());
        assertEquals(clock.instant(), run.launchedAt());
        assertEquals(List.of(JOB + "/" + runKey), openRuns(), "an adopted run is still open");

        // Adopted, it is an ordinary launched run: its events and the next passes take it from here.
        clock.advance(Duration.ofMinutes(15));
        Versioned<RunRecord> adopted = versioned(runKey);
        assertEquals(summary(1, 0, 0, 0, 0, 0, 1), reconcile());
        assertEquals(adopted, versioned(runKey));
        terminate(clusterId);
        clock.advance(Duration.ofMinutes(15));
        assertEquals(summary(1, 1, 0, 0, 0, 0, 0), reconcile());
        assertEquals(RunState.FAILED, record(runKey).state());
        assertEquals(List.of(), openRuns());
    }

    @Test
    void aStuckClaimWhoseClusterEndedIsAdoptedAndFinalisedInOnePass() {
        String runKey = "stuck-cluster-ended";
        String clusterId = launchThenLoseTheRecording(runKey);
        terminate(clusterId);

        clock.advance(ReconcileService.STUCK_AFTER.plusMinutes(1));
        assertEquals(summary(1, 1, 1, 0, 0, 0, 0), reconcile());
        Versioned<RunRecord> finalRecord = versioned(runKey);
        RunRecord run = finalRecord.value();
        assertEquals(RunState.FAILED, run.state());
        assertEquals(clusterId, run.clusterId());
        assertEquals(motoSteps(clusterId), run.steps().stream().map(s -> s.id() + "=" + s.state()).toList());
        assertEquals(List.of(), openRuns());

        clock.advance(Duration.ofMinutes(15));
        assertEquals(summary(0, 0, 0, 0, 0, 0, 0), reconcile());
        assertEquals(finalRecord, versioned(runKey));
    }

    // ---- 5. a stuck claim without a cluster ---------------------------------------------------------------------

    @Test
    void aStuckClaimWithoutAClusterFailsToLaunchAndAYoungOneIsLeftAlone() {
        String stuck = "stuck-no-cluster";
        assertTrue(ledger.claim(claim(stuck)).created());
        clock.advance(ReconcileService.STUCK_AFTER.plusMinutes(1));
        String young = "young-claim";
        assertTrue(ledger.claim(claim(young)).created());
        Versioned<RunRecord> youngBefore = versioned(young);

        assertEquals(summary(2, 0, 0, 1, 0, 1, 1), reconcile());
        Versioned<RunRecord> failed = versioned(stuck);
        RunRecord run = failed.value();
        assertEquals(RunState.LAUNCH_FAILED, run.state());
        assertEquals(RunRecord.NO_CLUSTER, run.failure().code());
        assertFalse(run.failure().message().isBlank(), "an operator is told what happened");
        assertNull(run.clusterId());
        assertEquals(clock.instant(), run.endedAt());
        assertEquals(youngBefore, versioned(young), "a claim younger than STUCK_AFTER is left alone");
        assertEquals(List.of(JOB + "/" + young), openRuns());

        clock.advance(Duration.ofMinutes(1));
        assertEquals(summary(1, 0, 0, 0, 0, 0, 1), reconcile());
        assertEquals(failed, versioned(stuck), "a second pass changed the failed run");
        assertEquals(youngBefore, versioned(young));
    }

    // ---- 6. orphan open/ markers --------------------------------------------------------------------------------

    @Test
    void anOldOrphanMarkerIsRemovedAndAYoungOneKept() throws InterruptedException {
        putMarker("orphan-old");
        Thread.sleep(1_500); // S3's LastModified has whole seconds
        putMarker("orphan-young");
        Map<String, Instant> since = new LinkedHashMap<>();
        ledger.openRuns().forEach(r -> since.put(r.runKey(), r.since()));
        assertTrue(since.get("orphan-old").isBefore(since.get("orphan-young")), since.toString());
        // The young marker is exactly STUCK_AFTER old, the other older than that.
        clock.set(since.get("orphan-young").plus(ReconcileService.STUCK_AFTER));

        assertEquals(summary(2, 0, 0, 0, 1, 0, 1), reconcile());
        assertEquals(List.of(JOB + "/orphan-young"), openRuns());
        assertTrue(ledger.read(JOB, "orphan-old").isEmpty(), "removing a marker writes no record");

        assertEquals(summary(1, 0, 0, 0, 0, 0, 1), reconcile());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(summary(1, 0, 0, 0, 1, 0, 0), reconcile());
        assertEquals(List.of(), openRuns());
    }
}
