package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

/**
 * SnapStart priming holds no client (it can call nothing by construction): what it runs, the built-in event's
 * reading and the ledger's in-memory round trip, must work before a snapshot.
 */
class PrimingTest {

    @Test
    void primingReadsItsEventAndRoundTripsLedgerRecords() {
        assertDoesNotThrow(() -> new SnapStartPriming().beforeCheckpoint(null));
    }
}
