package dev.emringest.ledger;

import java.time.Clock;
import java.time.ZoneOffset;

/** The ledger's cases in memory: the bucket the functions' fast tests use behaves as S3 does. */
class LedgerTest extends LedgerCases {

    @Override
    LedgerBucket freshBucket() {
        return new InMemoryLedgerBucket(Clock.fixed(NOW, ZoneOffset.UTC));
    }
}
