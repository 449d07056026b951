package dev.emringest.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunIdentityTest {

    @Test
    void aRetryOfTheSameRunHasTheSameIdentity() {
        assertEquals(RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z"),
                RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z"));
    }

    @Test
    void theClusterNameIsStackJobAndAShortHashOfTheRun() {
        RunIdentity run = RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:00Z");
        // events/ name this run's cluster so: the samples and the rule stay true together
        assertEquals("emr-ingest-orders-cd6420d7f6ee", run.clusterName());
        assertEquals("cd6420d7f6ee", run.runId());
        assertTrue(run.clusterName().startsWith(RunIdentity.clusterNamePrefix("emr-ingest")));
        assertNotEquals(run.runId(), RunIdentity.of("emr-ingest", "orders", "2026-11-25T02:00:01Z").runId());
    }

    @Test
    void theTagsNameStackJobAndRunKey() {
        Map<String, String> tags = RunIdentity.of("emr-ingest", "orders", "manual-1").tags();
        assertEquals(List.of("emr-ingest:job", "emr-ingest:run-key", "emr-ingest:stack"), List.copyOf(tags.keySet()));
        assertEquals(List.of("orders", "manual-1", "emr-ingest"), List.copyOf(tags.values()));
    }
}
