package dev.emringest.ledger;

import dev.emringest.local.MotoServer;
import software.amazon.awssdk.services.s3.S3Client;

/** The ledger's cases against moto server's S3: S3's own conditional writes. */
class LedgerIT extends LedgerCases {

    private static final MotoServer MOTO = MotoServer.shared();

    @Override
    LedgerBucket freshBucket() {
        MOTO.reset();
        S3Client s3 = MOTO.clients().s3();
        s3.createBucket(r -> r.bucket("ledger"));
        return new S3LedgerBucket(s3, "ledger");
    }
}
