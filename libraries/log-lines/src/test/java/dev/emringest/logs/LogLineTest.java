package dev.emringest.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogLineTest {

    private final CapturedContext context = new CapturedContext();

    @Test
    void oneJsonObjectWithTheFieldsInOrderThroughTheByteOverload() {
        LogLine.warn("launch deferred job=orders").field("job", "orders").field("runKey", "r1")
                .field("outcome", "DEFERRED").field("clusterId", null).field("attempts", 3).write(context.context);

        assertEquals(List.of(), context.strings, "log(String) is wrapped by the runtime under LogFormat JSON");
        assertEquals(List.of("{\"level\":\"WARN\",\"message\":\"launch deferred job=orders\",\"job\":\"orders\","
                + "\"runKey\":\"r1\",\"outcome\":\"DEFERRED\",\"attempts\":3,\"requestId\":\"req-1\"}"), context.bytes);
        JsonObject line = LoggedLines.logLines(context.bytes).get(0);
        assertFalse(line.containsKey("clusterId"), "a null field is left out");
        assertEquals(3, line.getInt("attempts"));
    }

    @Test
    void aMessageWithQuotesLineBreaksAndUnicodeStaysOneLineAndReadsBack() {
        String message = "job 'orders': \"quoted\" \\ back\nsecond line\r\tand \u0000, caf\u00e9, \u2028, \uD83D\uDE80";
        LogLine.error(message).field("job", "or\"ders\n").write(context.context);

        String written = context.bytes.get(0);
        assertFalse(written.contains("\n") || written.contains("\r"), written);
        JsonObject line = LoggedLines.logLines(context.bytes).get(0);
        assertEquals(message, line.getString("message"));
        assertEquals("or\"ders\n", line.getString("job"));
        assertEquals("ERROR", line.getString("level"));
        assertEquals(List.of(message), LoggedLines.messages(context.bytes));
    }

    @Test
    void theLinesOwnMembersAreNotFields() {
        for (String own : List.of("level", "message", "requestId")) {
            assertThrows(IllegalArgumentException.class, () -> LogLine.info("m").field(own, "x"));
        }
    }

    @Test
    void withoutARequestIdTheMemberIsLeftOut() {
        assertEquals("{\"level\":\"INFO\",\"message\":\"m\"}", LogLine.info("m").json(null));
    }
}
