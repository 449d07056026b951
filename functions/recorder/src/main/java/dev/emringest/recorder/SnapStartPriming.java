package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.Ledger;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * The recorder function's SnapStart priming, for both its handlers: reads a built-in state-change event and
 * round-trips ledger records in memory before the snapshot, so a restored function does not pay for those classes'
 * first use. No AWS call, nothing unique.
 */
final class SnapStartPriming implements Resource {

    /** CRaC holds resources weakly: this reference keeps the registered one alive until the checkpoint. */
    private static final SnapStartPriming INSTANCE = new SnapStartPriming();
    private static boolean registered;

    private static final String EVENT = "{\"detail-type\": \"EMR Cluster State Change\", \"source\": \"aws.emr\","
            + " \"detail\": {\"clusterId\": \"j-PRIMING\", \"name\": \"priming\", \"state\": \"TERMINATED\","
            + " \"stateChangeReason\": \"{\\\"code\\\":\\\"ALL_STEPS_COMPLETED\\\"}\"}}";

    /** Registers the priming when Lambda initialises the function for a snapshot; otherwise CRaC is not loaded. */
    static synchronized void registerIfActive() {
        if (!registered && "snap-start".equals(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"))) {
            Core.getGlobalContext().register(INSTANCE);
            registered = true;
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        EmrEvent.from(JsonDocuments.readEvent(new ByteArrayInputStream(EVENT.getBytes(StandardCharsets.UTF_8))));
        Ledger.prime();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // Nothing to renew: no connection, credential or unique value was made before the snapshot.
    }
}
