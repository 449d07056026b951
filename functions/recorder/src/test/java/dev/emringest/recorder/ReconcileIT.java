package dev.emringest.recorder;

import static dev.emringest.local.EmrEvents.clusterStateChange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.launcher.LaunchService;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.MotoServer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A lost terminal event, a run still running, and what a pass reads. */
class ReconcileIT extends ReconcileAgainstMoto {

    // ---- 1. a lost terminal event ---------------------------------------------------------------------------------

    @Test
    void aRunWhoseTerminalEventWasLostIsFinalisedOnceByTheReconcile() {
        String runKey = "2026-11-25T02:00:00Z";
        LaunchService.Result launched = launch(runKey);
        assertEquals(LaunchService.Outcome.LAUNCHED, launched.outcome());
        String clusterId = launched.clusterId();
        assertEquals("UPDATED", event(clusterStateChange(clusterId, launched.clusterName(), "RUNNING", "{\"code\":\"\"}"))
                .get("outcome"));
        assertEquals(RunState.RUNNING, record(runKey).state());
        Instant launchedAt = record(runKey).launchedAt();

        terminate(clusterId);
        // ...and EMR's TERMINATED event is never delivered.
        clock.advance(Duration.ofMinutes(15));

        Map<String, Integer> first = reconcile();
        assertEquals(summary(1, 1, 0, 0, 0, 0, 0), first);
        Versioned<RunRecord> finalRecord = versioned(runKey);
        RunRecord run = finalRecord.value();
        assertEquals(RunState.FAILED, run.state(), "moto's steps never complete, so the run cannot have succeeded");
        assertEquals(clusterId, run.clusterId());
        assertEquals(STEP_NAMES, run.steps().stream().map(StepOutcome::name).toList(), "steps in submission order");
        assertEquals(motoSteps(clusterId), run.steps().stream().map(s -> s.id() + "=" + s.state()).toList(),
                "the steps as EMR (moto) lists them");
        assertFalse(run.steps().stream().allMatch(s -> "COMPLETED".equals(s.state())));
        assertNotNull(run.failure(), "a failed run says it failed");
        assertNull(run.failure().step(), "no step FAILED");
        assertEquals(clock.instant(), run.endedAt());
        assertEquals(launchedAt, run.launchedAt(), "the launch time is kept");
        assertEquals(List.of(), openRuns(), "a final run leaves the open index");
        assertTrue(context.lines().stream().anyMatch(l -> l.contains("finalised=1")), context.lines().toString());

        for (int pass = 2; pass <= 3; pass++) {
            clock.advance(Duration.ofMinutes(15));
            assertEquals(summary(0, 0, 0, 0, 0, 0, 0), reconcile(), "pass " + pass);
            assertEquals(finalRecord, versioned(runKey), "pass " + pass + " rewrote the final record");
        }
    }

    // ---- 3. a run that is still running -------------------------------------------------------------------------

    @Test
    void aRunStillRunningIsLeftAsItIs() {
        String runKey = "running-1";
        LaunchService.Result launched = launch(runKey);
        event(clusterStateChange(launched.clusterId(), launched.clusterName(), "RUNNING", "{\"code\":\"\"}"));
        Versioned<RunRecord> before = versioned(runKey);
        assertActive(launched.clusterId());

        for (Duration later : List.of(Duration.ofMinutes(15), STUCK_AFTER_PLUS_HOUR)) {
            clock.advance(later);
            MOTO.startRecording();
            Map<String, Integer> summary = reconcile();
            List<MotoServer.Recorded> requests = MOTO.recording();
            assertEquals(summary(1, 0, 0, 0, 0, 0, 1), summary, "after " + later);
            assertEquals(before, versioned(runKey));
            assertEquals(List.of(JOB + "/" + runKey), openRuns());
            assertTrue(requests.stream().anyMatch(r -> "GET".equals(r.method())
                    && URI.create(r.url()).getPath().startsWith("/" + BUCKET + "/runs/")), "the pass read the run");
            assertEquals(List.of(), ledgerWrites(requests), "the pass wrote to the ledger");
        }
    }

    private static final Duration STUCK_AFTER_PLUS_HOUR = ReconcileService.STUCK_AFTER.plusHours(1);

    // ---- 7. cost: a pass reads the open runs only ---------------------------------------------------------------

    @Test
    void aPassReadsOnlyTheOpenRuns() {
        for (int i = 0; i < 50; i++) {
            String runKey = "done-" + i;
            Versioned<RunRecord> claimed = ledger.claim(claim(runKey)).record();
            RunRecord launched = claimed.value().launched("j-DONE" + i, clock.instant());
            Versioned<RunRecord> running = ledger.swap(claimed, launched).orElseThrow();
            RunRecord ended = launched.ended(i % 2 == 0 ? RunState.SUCCEEDED : RunState.FAILED, List.of(), null,
                    clock.instant());
            ledger.swap(running, ended.withAnnounced(ended.history().size())).orElseThrow();
        }
        LaunchService.Result open = launch("open-running");
        ledger.update(JOB, "open-running", r -> r.withAnnounced(r.history().size()));  // as the recorder would
        assertTrue(ledger.claim(claim("open-claimed")).created());
        assertEquals(List.of(JOB + "/open-claimed", JOB + "/open-running"), openRuns());

        MOTO.startRecording();
        Map<String, Integer> summary = reconcile();
        List<MotoServer.Recorded> requests = MOTO.recording();

        assertEquals(summary(2, 0, 0, 0, 0, 0, 2), summary);
        List<String> runReads = new ArrayList<>();
        List<String> listings = new ArrayList<>();
        for (MotoServer.Recorded request : requests) {
            URI url = URI.create(request.url());
            String path = url.getPath();
            if (!path.startsWith("/" + BUCKET)) {
                continue;
            }
            if (path.startsWith("/" + BUCKET + "/runs/") && List.of("GET", "HEAD").contains(request.method())) {
                runReads.add(path);
            }
            if ("GET".equals(request.method()) && (path.equals("/" + BUCKET) || path.equals("/" + BUCKET + "/"))) {
                listings.add(url.getQuery());
            }
        }
        assertTrue(runReads.size() >= 2, "the recording shows the open runs' reads: " + runReads);
        assertTrue(runReads.size() <= 2 + 2, "the pass read " + runReads.size() + " run records: " + runReads);
        assertTrue(runReads.stream().noneMatch(p -> p.contains("done-")), "a final run was read: " + runReads);
        assertTrue(listings.stream().allMatch(q -> q != null && (q.contains("prefix=open")
                || q.contains("prefix=freshness"))), "the pass listed more than the open index and the jobs' freshness: "
                + listings);
        assertEquals(List.of(), ledgerWrites(requests));
        assertEquals(RunState.LAUNCHED, record("open-running").state());
        assertEquals(open.clusterId(), record("open-running").clusterId());
    }
}
