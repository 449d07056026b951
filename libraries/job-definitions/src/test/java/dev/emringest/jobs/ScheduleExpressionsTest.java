package dev.emringest.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScheduleExpressionsTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cron(*/5 * * * ? *)", "cron(10-30/5 * * * ? *)", "cron(0 0 */2 * ? *)",
        "cron(0 0 1 */3 ? *)", "cron(0 0 1 1 ? 2026/2)", "cron(0 12 ? * SUN,SAT *)", "cron(0 12 ? * L *)",
        "cron(59 23 31 DEC ? 2199)", "cron(0 0 1 JAN-MAR ? *)", "rate(1 hour)", "rate(1440 minutes)"})
    void acceptsRecurringExpressions(String expression) {
        assertEquals(Optional.empty(), ScheduleExpressions.expressionProblem(expression));
    }

    @Test
    void aProblemStatesTheRuleAndQuotesTheToken() {
        assertEquals(Optional.of("cron hours '24' must be 0-23"),
                ScheduleExpressions.expressionProblem("cron(0 24 * * ? *)"));
        assertEquals(Optional.of("cron day-of-month 'L' must stand alone"),
                ScheduleExpressions.expressionProblem("cron(0 0 L,15 * ? *)"));
        assertEquals(Optional.of("cron month range 'DEC-JAN' must not run backwards (start after end)"),
                ScheduleExpressions.expressionProblem("cron(0 0 1 DEC-JAN ? *)"));
        assertEquals(Optional.of("cron day-of-week 'MON#2' must be <day 1-7>#<1-5>, e.g. 3#2"),
                ScheduleExpressions.expressionProblem("cron(0 0 ? * MON#2 *)"));
        assertEquals(Optional.of("cron day-of-month '32W' must be a day 1-31 followed by W"),
                ScheduleExpressions.expressionProblem("cron(0 0 32W * ? *)"));
        assertEquals(Optional.of("cron month 'jan' must be 1-12 or JAN-DEC"),
                ScheduleExpressions.expressionProblem("cron(0 0 1 jan ? *)"));
        assertEquals(Optional.of("must be cron(...) or rate(...): a job's schedule recurs, at(...) runs once"),
                ScheduleExpressions.expressionProblem("at(2026-01-01T00:00:00)"));
        assertEquals(Optional.of("must be cron(...) or rate(...)"), ScheduleExpressions.expressionProblem("daily"));
        assertEquals(Optional.of("rate(...) must be rate(<value> <unit>) with one space between, e.g. rate(5 minutes)"),
                ScheduleExpressions.expressionProblem("rate(5  minutes)"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"})
    void acceptsIanaZones(String zone) {
        assertEquals(Optional.empty(), ScheduleExpressions.timezoneProblem(zone));
    }

    @ParameterizedTest(name = "'{0}'")
    @ValueSource(strings = {"+01:00", "UTC+1", "GMT+01:00", "Z", "utc", "Europe/berlin", ""})
    void rejectsOffsetsAndUnknownNames(String zone) {
        assertEquals(Optional.of("must be an IANA time zone name such as UTC or Europe/Berlin"),
                ScheduleExpressions.timezoneProblem(zone));
    }
}
