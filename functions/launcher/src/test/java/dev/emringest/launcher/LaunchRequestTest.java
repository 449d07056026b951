package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LaunchRequestTest {

    @Test
    void schedulerInputUsesTheScheduledTimeAsRunKey() {
        LaunchRequest request = LaunchRequest.fromSchedule(Map.of("job", "orders", "scheduledTime", "2026-11-25T02:00:00Z"));
        assertEquals(new LaunchRequest("orders", "2026-11-25T02:00:00Z", LaunchRequest.Origin.SCHEDULE,
                java.time.Instant.parse("2026-11-25T02:00:00Z"), null), request);
    }

    @Test
    void classicEnvelopeUsesItsTimeAndDetail() {
        LaunchRequest request = LaunchRequest.fromSchedule(Map.of("detail-type", "Scheduled Event",
                "time", "2026-11-25T02:00:00Z", "detail", Map.of("job", "orders")));
        assertEquals(new LaunchRequest("orders", "2026-11-25T02:00:00Z", LaunchRequest.Origin.SCHEDULE,
                java.time.Instant.parse("2026-11-25T02:00:00Z"), null), request);
    }

    @Test
    void sqsRunKeyIsTheBodysElseTheMessageId() {
        assertEquals("k-1", LaunchRequest.fromSqs("{\"job\":\"orders\",\"runKey\":\"k-1\"}", "m-1").runKey());
        assertEquals("m-1", LaunchRequest.fromSqs("{\"job\":\"orders\"}", "m-1").runKey());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        malformed json        | {"job": "orders",                          | body
        not an object         | ["orders"]                                 | body
        empty body            | ''                                         | body
        job missing           | {"runKey": "k"}                            | job
        job not a string      | {"job": 7}                                 | job
        job upper case        | {"job": "Orders"}                          | job
        job path traversal    | {"job": "../secrets"}                      | job
        job option injection  | {"job": "--help"}                          | job
        run key with slash    | {"job": "orders", "runKey": "a/b"}         | runKey
        run key option        | {"job": "orders", "runKey": "-rf"}         | runKey
        run key not a string  | {"job": "orders", "runKey": 1}             | runKey
        run key control char  | {"job": "orders", "runKey": "a\\u0007b"}   | runKey
        run key too long      | {"job": "orders", "runKey": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"} | runKey
        sql smuggled in       | {"job": "orders", "sql": "DROP TABLE x"}  | sql
        window not an object  | {"job": "orders", "window": "yesterday"}   | window
        window bad instant    | {"job": "orders", "window": {"from": "a", "to": "2026-11-25T02:00:00Z"}} | window.from
        window sql in bound   | {"job": "orders", "window": {"from": "2026-11-25T02:00:00Z' OR 1=1", "to": "2026-11-25T02:00:00Z"}} | window.from
        window half           | {"job": "orders", "window": {"from": "2026-11-25T02:00:00Z"}} | window.to
        window reversed       | {"job": "orders", "window": {"from": "2026-11-25T02:00:00Z", "to": "2026-11-24T02:00:00Z"}} | window.to
        window key not int    | {"job": "orders", "window": {"above": "5", "upTo": 9}} | window.above
        window key fraction   | {"job": "orders", "window": {"above": 5, "upTo": 9.5}} | window.upTo
        window unknown field  | {"job": "orders", "window": {"where": "1=1"}} | window.where
        """)
    void badSqsBodiesNameTheField(String name, String body, String field) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> LaunchRequest.fromSqs(body, "m-1"));
        assertTrue(e.getMessage().startsWith(field + ":"), e.getMessage());
    }

    @Test
    void aBackfillWindowIsTyped() {
        LaunchRequest r = LaunchRequest.fromSqs(
                "{\"job\":\"orders\",\"window\":{\"from\":\"2026-11-01T00:00:00Z\",\"to\":\"2026-11-02T00:00:00Z\","
                        + "\"above\":10,\"upTo\":20}}", "m-1", java.time.Instant.EPOCH);
        assertEquals(new LaunchRequest.Backfill(java.time.Instant.parse("2026-11-01T00:00:00Z"),
                java.time.Instant.parse("2026-11-02T00:00:00Z"), 10L, 20L), r.window());
        assertEquals(java.time.Instant.EPOCH, r.triggerTime());
    }

    @Test
    void badScheduleInputsNameTheField() {
        assertTrue(assertThrows(InvalidRequestException.class, () -> LaunchRequest.fromSchedule(
                Map.of("job", "orders", "scheduledTime", "yesterday"))).getMessage().startsWith("scheduledTime:"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> LaunchRequest.fromSchedule(
                Map.of("scheduledTime", "2026-11-25T02:00:00Z"))).getMessage().startsWith("job:"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> LaunchRequest.fromSchedule(
                Map.of("detail-type", "Scheduled Event", "time", "2026-11-25T02:00:00Z")))
                .getMessage().startsWith("detail:"));
    }
}
