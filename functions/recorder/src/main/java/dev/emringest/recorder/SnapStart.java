package dev.emringest.recorder;

import org.crac.Core;
import org.crac.Resource;

/** Registers a handler's priming with SnapStart, only when Lambda initialises the function for a snapshot. */
final class SnapStart {

    private SnapStart() {}

    static void registerIfActive(Resource handler) {
        // Lambda sets this during a SnapStart init; otherwise CRaC's classes are not even loaded.
        if ("snap-start".equals(System.getenv("AWS_LAMBDA_INITIALIZATION_TYPE"))) {
            Core.getGlobalContext().register(handler);
        }
    }
}
