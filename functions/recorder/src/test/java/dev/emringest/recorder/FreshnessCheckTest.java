package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.JobFreshness;
import dev.emringest.ledger.JobState;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.emr.model.ClusterState;

/**
 * Freshness over a simulated clock: a job held to an hour goes stale once per stale period, with one "Job Stale"
 * event each, counts 1 in {@code JobStale} while stale and 0 while fresh, and a successful run (recorded by the real
 * recorder) makes it fresh again.
 */
class FreshnessCheckTest {

    private final FastRecorder f = new FastRecorder();
    private final Instant held = FastRecorder.CLAIMED_AT.minus(Duration.ofHours(3));

    @Test
    void aJobIsStaleOncePerPeriodAndFreshAgainAfterASuccess() {
        f.ledger.putFreshness(new JobFreshness(FastRecorder.JOB, 60, true, held));

        f.clock.set(held.plus(Duration.ofMinutes(59)));
        assertEquals(0, f.reconcile.reconcile().stale());
        assertEquals(List.of("JobStale=0"), staleMetrics());
        assertEquals(List.of(), f.events);

        f.clock.set(held.plus(Duration.ofMinutes(75)));
        assertEquals(1, f.reconcile.reconcile().stale());
        assertEquals(List.of("JobStale=1"), staleMetrics());
        assertEquals(1, f.events.size());
        JsonObject event = staleEvent(0);
        assertEquals(FastRecorder.JOB, event.getString("job"));
        assertEquals(held.plus(Duration.ofMinutes(60)).toString(), event.getString("staleSince"));
        assertEquals(60, event.getInt("maxAgeMinutes"));
        assertTrue(event.isNull("lastSucceededAt"), "it never succeeded");
        assertEquals(FastRecorder.JOB + "/stale/" + held.plus(Duration.ofMinutes(60)), event.getString("eventKey"));

        for (int pass = 1; pass <= 3; pass++) {
            f.clock.advance(Duration.ofMinutes(15));
            assertEquals(1, f.reconcile.reconcile().stale());
            assertEquals(List.of("JobStale=1"), staleMetrics());
        }
        assertEquals(1, f.events.size(), "one event per stale period");

        // A run succeeds (the recorder records it): fresh again for an hour.
        f.clock.set(FastRecorder.CLAIMED_AT.plus(Duration.ofMinutes(40)));
        f.launched("j-1");
        f.cluster("j-1", ClusterState.TERMINATED, "ALL_STEPS_COMPLETED", "done",
                FakeEmr.step("s-1", FastRecorder.SQOOP, "COMPLETED"));
        f.records.record(FastRecorder.terminated("j-1", "ALL_STEPS_COMPLETED", "done"));
        JobState fresh = f.ledger.readState(FastRecorder.JOB).orElseThrow().value();
        assertEquals(f.clock.instant(), fresh.lastSucceededAt());
        assertEquals(null, fresh.staleSince());
        f.events.clear();
        f.metrics.clear();

        f.clock.advance(Duration.ofMinutes(59));
        assertEquals(0, f.reconcile.reconcile().stale());
        assertEquals(List.of("JobStale=0"), staleMetrics());

        // The next stale period has its own event.
        f.clock.advance(Duration.ofMinutes(2));
        assertEquals(1, f.reconcile.reconcile().stale());
        assertEquals(1, f.events.stream().filter(e -> e.startsWith("Job Stale ")).count());
        assertEquals(fresh.lastSucceededAt().toString(), staleEvent(0).getString("lastSucceededAt"));
    }

    @Test
    void anEventEventBridgeRefusedIsSentByTheNextPass() {
        f.ledger.putFreshness(new JobFreshness(FastRecorder.JOB, 60, false, held));
        f.clock.set(held.plus(Duration.ofMinutes(90)));
        f.busError = "InternalFailure";
        ReconcileService.Summary refused = f.reconcile.reconcile();
        assertEquals(1, refused.stale());
        assertEquals(1, refused.failed().size(), "the pass reports it, so the reconcile fails and is seen");
        assertTrue(refused.failed().get(0).reason().contains("InternalFailure"), refused.toString());
        assertEquals(List.of(), f.events);

        f.busError = null;
        f.clock.advance(Duration.ofMinutes(15));
        assertEquals(List.of(), f.reconcile.reconcile().failed());
        assertEquals(1, f.events.size());
        f.reconcile.reconcile();
        assertEquals(1, f.events.size(), "sent once");
    }

    private List<String> staleMetrics() {
        List<String> found = f.metrics.stream().flatMap(m -> m.metrics().stream())
                .filter(m -> m.name().equals("JobStale")).map(m -> m.name() + "=" + m.value()).toList();
        f.metrics.clear();
        return found;
    }

    private JsonObject staleEvent(int index) {
        List<String> stale = f.events.stream().filter(e -> e.startsWith("Job Stale ")).toList();
        return JsonDocuments.read(stale.get(index).substring("Job Stale ".length())).asJsonObject();
    }
}
