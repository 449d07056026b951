package dev.emringest.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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

    /** Firings over 2026-01-01 plus 400 days; the gaps in the comments are counted on the 2026 calendar. */
    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource(delimiter = '|', textBlock = """
        rate(15 minutes)              | UTC           | PT15M
        rate(1 day)                   | Europe/Berlin | PT24H
        rate(12 hours)                | UTC           | PT12H
        cron(* * * * ? *)             | UTC           | PT1M
        cron(0 2 * * ? *)             | UTC           | PT24H
        # Friday 17:45 to Monday 08:00
        cron(0/15 8-17 ? * MON-FRI *) | UTC           | PT62H15M
        # Saturdays (L alone is the week's last day)
        cron(0 12 ? * L *)            | UTC           | P7D
        # last Fridays: Apr 24 to May 29
        cron(0 3 ? * 6L *)            | UTC           | P35D
        # second Tuesdays: Mar 10 to Apr 14
        cron(0 3 ? * 3#2 *)           | UTC           | P35D
        # fifth Mondays, in March, June, August and November only: Mar 30 to Jun 29
        cron(0 3 ? * 2#5 *)           | UTC           | P91D
        # Sunday Feb 15 fires on Monday the 16th: Jan 15 to Feb 16 (and Saturday Aug 15 on Friday the 14th)
        cron(0 3 15W * ? *)           | UTC           | P32D
        # last weekdays: Friday Feb 27 (the 28th is a Saturday) to Tuesday Mar 31
        cron(0 3 LW * ? *)            | UTC           | P32D
        # last days: the gap is the next month's length, at most 31 (e.g. Jun 30 to Jul 31)
        cron(0 3 L * ? *)             | UTC           | P31D
        # quarterly: Jul 1 to Oct 1, Oct 1 to Jan 1
        cron(0 0 1 */3 ? *)           | UTC           | P92D
        # 02:30 does not exist on Mar 29: Mar 28 02:30 CET to Mar 30 02:30 CEST, 48 h less the hour skipped
        cron(30 2 * * ? *)            | Europe/Berlin | PT47H
        # Oct 25 02:00 exists twice and fires once: 02:00 CEST to 03:00 CET
        cron(0 * * * ? *)             | Europe/Berlin | PT2H
        # 2026-01-01 to 2027-01-01, both within the horizon
        cron(0 0 1 1 ? *)             | UTC           | P365D
        # fires once in the horizon, or never: the horizon
        cron(0 0 1 1 ? 2026)          | UTC           | P400D
        cron(0 0 1 1 ? 2026/2)        | UTC           | P400D
        cron(0 0 1 1 ? 2020)          | UTC           | P400D
        rate(1000 days)               | UTC           | P400D
        rate(99999999999999999999 minutes) | UTC      | P400D
        """)
    void longestGapBetweenTwoFirings(String expression, String timezone, Duration gap) {
        assertEquals(gap, ScheduleExpressions.longestGap(expression, timezone));
    }

    @Test
    void longestGapTakesOnlyAValidExpression() {
        assertEquals("cron hours '24' must be 0-23", assertThrows(IllegalArgumentException.class,
                () -> ScheduleExpressions.longestGap("cron(0 24 * * ? *)", "UTC")).getMessage());
        assertEquals("must be an IANA time zone name such as UTC or Europe/Berlin", assertThrows(
                IllegalArgumentException.class, () -> ScheduleExpressions.longestGap("rate(1 day)", "+01:00")).getMessage());
    }
}
