package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.launcher.LaunchService.Outcome;
import dev.emringest.ledger.JobState.TableState;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.RunWindow;
import dev.emringest.ledger.RunWindow.TableWindow;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.emr.model.EmrException;

/**
 * The incremental job's decisions: one regular run in flight (a busy slot skips a schedule firing and defers a queued
 * request), and the window fixed in the claim before the cluster starts. Job {@code shop}: {@code orders} by time
 * with a minute's lag (steps 0 and 1), {@code events} by key (steps 2 and 3).
 */
class IncrementalLaunchTest {

    private static final Instant T0 = Instant.parse("2026-11-25T02:00:00Z");
    private static final Instant T1 = Instant.parse("2026-11-25T03:00:00Z");

    private final LaunchFixture f = new LaunchFixture();

    private String sqoopArgs(int request, int table) {
        return String.join(" ", f.stepArgs(request, table));
    }

    private LaunchRequest queued(String body, String messageId) {
        return LaunchRequest.fromSqs(body, messageId, T0);
    }

    @Test
    void theFirstRunsWindowIsRecordedInTheClaimAndPassedToTheSteps() {
        assertEquals(Outcome.LAUNCHED, f.fire("shop", T0).outcome());
        RunWindow window = f.record("shop", T0.toString()).window();
        assertFalse(window.backfill());
        TableWindow orders = window.tables().get("orders");
        assertEquals("lastmodified", orders.mode());
        assertNull(orders.from());
        assertEquals(T0.minusSeconds(60), orders.to());
        assertEquals("append", window.tables().get("events").mode());
        assertNull(window.tables().get("events").above());
        assertTrue(sqoopArgs(0, 0).endsWith("--where-column updated_at --upper-bound 2026-11-25T01:59:00Z"),
                sqoopArgs(0, 0));
        assertTrue(sqoopArgs(0, 1).endsWith("--where-column id"), sqoopArgs(0, 1));
        assertTrue(String.join(" ", f.stepArgs(0, 2)).endsWith("--table events --output s3://example-lake/raw/shop/"
                + "events --input hdfs:///emr-ingest/staging/da1cb9dcc85a/events --input-format avro --max-key-column id"),
                String.join(" ", f.stepArgs(0, 2)));
    }

    @Test
    void theWindowStartsAtTheWatermark() {
        Instant mark = Instant.parse("2026-11-25T01:00:00Z");
        f.ledger.updateState("shop", s -> s.advanced(Map.of("orders", new TableState("lastmodified", mark, null),
                "events", new TableState("append", null, 41L)), T0));
        f.fire("shop", T0);
        TableWindow orders = f.record("shop", T0.toString()).window().tables().get("orders");
        assertEquals(mark, orders.from());
        assertEquals(41L, f.record("shop", T0.toString()).window().tables().get("events").above());
        assertTrue(sqoopArgs(0, 0).contains("--lower-bound 2026-11-25T01:00:00Z --upper-bound"), sqoopArgs(0, 0));
        assertTrue(sqoopArgs(0, 1).endsWith("--where-column id --above-key 41"), sqoopArgs(0, 1));
    }

    @Test
    void aQueuedRequestsWindowEndsAtItsSendTimeLessTheLag() {
        f.service.launch(queued("{\"job\": \"shop\"}", "m-1"));
        assertEquals(T0.minusSeconds(60), f.record("shop", "m-1").window().tables().get("orders").to());
    }

    @Test
    void aRegularRunTakesTheJobsSlot() {
        f.fire("shop", T0);
        assertEquals(T0.toString(), f.state("shop").inFlight());
    }

    @Test
    void aScheduleFiringThatFindsTheSlotBusyIsRecordedSkipped() {
        f.fire("shop", T0);
        assertEquals(Outcome.SKIPPED, f.fire("shop", T1).outcome());
        RunRecord skipped = f.record("shop", T1.toString());
        assertEquals(RunState.SKIPPED, skipped.state());
        assertEquals(RunRecord.SKIPPED_IN_FLIGHT, skipped.failure().code());
        assertTrue(skipped.failure().message().contains("run " + T0 + " of incremental job shop"),
                skipped.failure().message());
        assertEquals(1, f.emr.runJobFlows.size());
    }

    @Test
    void aSkippedFiringDeliveredAgainAnswersAlreadyEnded() {
        f.fire("shop", T0);
        f.fire("shop", T1);
        assertEquals(Outcome.ALREADY_ENDED, f.fire("shop", T1).outcome());
        assertEquals(1, f.emr.runJobFlows.size());
    }

    @Test
    void aQueuedRequestThatFindsTheSlotBusyIsDeferredUnrecorded() {
        f.fire("shop", T0);
        RunInProgressException e = assertThrows(RunInProgressException.class,
                () -> f.service.launch(queued("{\"job\": \"shop\"}", "m-2")));
        assertTrue(e.getMessage().endsWith("run m-2 is deferred"), e.getMessage());
        assertFalse(f.recorded("shop", "m-2"));
    }

    @Test
    void theHoldersOwnRetryAnswersAlreadyLaunched() {
        String cluster = f.fire("shop", T0).clusterId();
        var again = f.fire("shop", T0);
        assertEquals(Outcome.ALREADY_LAUNCHED, again.outcome());
        assertEquals(cluster, again.clusterId());
    }

    @Test
    void theSlotPassesOnOnceItsHolderHasEnded() {
        f.fire("shop", T0);
        f.ended("shop", T0.toString(), RunState.SUCCEEDED);
        assertEquals(Outcome.LAUNCHED, f.fire("shop", T1).outcome());
        assertEquals(T1.toString(), f.state("shop").inFlight());
    }

    @Test
    void aHolderThatNeverWroteItsClaimKeepsTheSlotForTheGracePeriodOnly() {
        f.ledger.updateState("shop", s -> s.holding("ghost", f.clock.instant()));
        assertEquals(Outcome.SKIPPED, f.fire("shop", T0).outcome());
        f.clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(1));
        assertEquals(Outcome.LAUNCHED, f.fire("shop", T1).outcome());
        assertEquals(T1.toString(), f.state("shop").inFlight());
    }

    @Test
    void aBackfillLaunchesBesideTheRegularRunWithoutTakingTheSlot() {
        f.fire("shop", T0);
        var backfill = f.service.launch(queued("{\"job\": \"shop\", \"window\": {\"from\": \"2026-10-01T00:00:00Z\","
                + " \"to\": \"2026-10-02T00:00:00Z\", \"above\": 10, \"upTo\": 20}}", "backfill-1"));
        assertEquals(Outcome.LAUNCHED, backfill.outcome());
        assertEquals(T0.toString(), f.state("shop").inFlight());
        RunWindow window = f.record("shop", "backfill-1").window();
        assertTrue(window.backfill());
        assertEquals(Instant.parse("2026-10-01T00:00:00Z"), window.tables().get("orders").from());
        assertTrue(sqoopArgs(1, 1).endsWith("--above-key 10 --up-to-key 20"), sqoopArgs(1, 1));
    }

    @Test
    void aBackfillMissingABoundItsTablesNeedIsRejectedUnrecorded() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> f.service.launch(
                queued("{\"job\": \"shop\", \"window\": {\"above\": 10, \"upTo\": 20}}", "backfill-2")));
        assertTrue(e.getMessage().startsWith("window.from: table 'orders'"), e.getMessage());
        assertFalse(f.recorded("shop", "backfill-2"));
        assertTrue(f.emr.runJobFlows.isEmpty());
    }

    @Test
    void aRunThatFailedToLaunchGivesTheSlotBack() {
        f.emr.rejectNext((EmrException) EmrException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails
                .builder().errorCode("ValidationException").errorMessage("bad release").build()).build());
        assertThrows(EmrException.class, () -> f.fire("shop", T0));
        assertEquals(RunState.LAUNCH_FAILED, f.record("shop", T0.toString()).state());
        assertNull(f.state("shop").inFlight());
        assertEquals(Outcome.LAUNCHED, f.fire("shop", T1).outcome());
    }

    @Test
    void aRunWhoseLaunchOutcomeIsUnknownKeepsTheSlot() {
        f.emr.rejectNext(SdkClientException.create("read timed out"));
        assertThrows(SdkClientException.class, () -> f.fire("shop", T0));
        assertEquals(T0.toString(), f.state("shop").inFlight());
        assertThrows(RunInProgressException.class, () -> f.service.launch(queued("{\"job\": \"shop\"}", "m-3")));
    }

    @Test
    void aRetryImportsTheWindowItsClaimRecordedEvenAfterTheWatermarkMoved() {
        f.emr.rejectNext(SdkClientException.create("read timed out"));
        assertThrows(SdkClientException.class, () -> f.fire("shop", T0));
        RunWindow claimed = f.record("shop", T0.toString()).window();
        f.ledger.updateState("shop", s -> s.advanced(Map.of("events", new TableState("append", null, 99L)), T0));
        f.clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(1));
        assertEquals(Outcome.LAUNCHED, f.fire("shop", T0).outcome());
        assertEquals(claimed, f.record("shop", T0.toString()).window());
        assertEquals(List.of(sqoopArgs(0, 0), sqoopArgs(0, 1)), List.of(sqoopArgs(1, 0), sqoopArgs(1, 1)));
    }

    @Test
    void aTriggerOlderThanTheWatermarkGetsAnEmptyWindow() {
        Instant mark = T0.plusSeconds(3600);
        f.ledger.updateState("shop", s -> s.advanced(Map.of("orders", new TableState("lastmodified", mark, null)),
                T0));
        f.fire("shop", T0);
        TableWindow orders = f.record("shop", T0.toString()).window().tables().get("orders");
        assertEquals(mark, orders.from());
        assertEquals(mark, orders.to());
    }
}
