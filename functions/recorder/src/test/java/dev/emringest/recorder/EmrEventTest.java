package dev.emringest.recorder;

import static dev.emringest.local.EmrEvents.NO_REASON;
import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static dev.emringest.local.EmrEvents.stepStatusChange;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** EMR's EventBridge events read into what the recorder uses; {@code stateChangeReason} is a JSON string. */
class EmrEventTest {

    @Test
    void aClusterStateChangeCarriesItsNameStateAndReason() {
        EmrEvent event = EmrEvent.from(clusterStateChange("j-1", "stack-orders-abc", "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request")));

        assertEquals(new EmrEvent(EmrEvent.Kind.CLUSTER, "j-1", "stack-orders-abc", "TERMINATED", null, null,
                new EmrEvent.Reason("USER_REQUEST", "Terminated by user request")), event);
    }

    @Test
    void anEmptyReasonCodeIsAnEmptyReason() {
        assertEquals(EmrEvent.Reason.NONE, EmrEvent.from(clusterStateChange("j-1", "n", "RUNNING", NO_REASON))
                .reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void aBlankReasonIsNoReason(String text) {
        assertEquals(EmrEvent.Reason.NONE, EmrEvent.reason(text));
    }

    @Test
    void aReasonThatIsNotJsonIsTheMessage() {
        assertEquals(new EmrEvent.Reason("", "Terminated {by} user"), EmrEvent.reason("Terminated {by} user"));
    }

    @Test
    void aReasonThatIsNotAStringOrAnObjectIsNoReason() {
        assertEquals(EmrEvent.Reason.NONE, EmrEvent.reason(42));
        assertEquals(new EmrEvent.Reason("", "[1,2]"), EmrEvent.reason("[1,2]"));
    }

    @Test
    void aStepStatusChangeCarriesTheStepButNoClusterName() {
        EmrEvent event = EmrEvent.from(stepStatusChange("j-1", "s-2", "spark-load orders", "FAILED"));

        assertEquals(new EmrEvent(EmrEvent.Kind.STEP, "j-1", null, "FAILED", "s-2", "spark-load orders",
                EmrEvent.Reason.NONE), event);
    }

    @Test
    void anotherDetailTypeOrNoEventIsOther() {
        assertEquals(EmrEvent.Kind.OTHER, EmrEvent.from(Map.of("detail-type", "Scheduled Event")).kind());
        assertEquals(EmrEvent.Kind.OTHER, EmrEvent.from(null).kind());
    }
}
