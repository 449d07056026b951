package dev.emringest.jobs;

import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A schedule's expression and time zone, checked as EventBridge Scheduler takes them, so a bad schedule fails when
 * its definition is validated rather than when the schedule sync creates it. Cron fields follow the EventBridge cron
 * reference; where it is silent (a range that runs backwards, names in lower case, a day name before L or #) the check
 * rejects. Pure: no AWS calls.
 *
 * <p>A problem is the rule without the field's name: the caller names the field. It may quote the offending token
 * (an expression is no secret); the caller makes it printable.
 */
public final class ScheduleExpressions {

    /**
     * A cron field: its values, the names some values have, whether it takes {@code ?}, its largest increment (0: it
     * takes none) and the forms that take the whole field (null: none).
     */
    private record Field(String name, int min, int max, List<String> names, boolean question, int maxIncrement,
                         Pattern special) {

        String values() {
            return min + "-" + max + (names.isEmpty() ? "" : " or " + names.get(0) + "-" + names.get(names.size() - 1));
        }
    }

    private static final List<Field> CRON = List.of(
            new Field("minutes", 0, 59, List.of(), false, 59, null),
            new Field("hours", 0, 23, List.of(), false, 23, null),
            // L, LW, <day>W
            new Field("day-of-month", 1, 31, List.of(), true, 31, Pattern.compile("^(L|LW|([0-9]+)W)$")),
            new Field("month", 1, 12,
                    List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), false, 12,
                    null),
            // L, <day>L, <day>#<n>; the reference lists no '/' for day-of-week.
            new Field("day-of-week", 1, 7, List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), true, 0,
                    Pattern.compile("^(L|([0-9A-Z]+)L|([0-9A-Z]+)#([0-9]+))$")),
            new Field("year", 1970, 2199, List.of(), false, 229, null));
    private static final String CRON_FIELDS = "minutes hours day-of-month month day-of-week year";
    private static final int DAY_OF_MONTH = 2;
    private static final int DAY_OF_WEEK = 4;
    /** Short enough to parse as an int; every value and increment fits in four digits. */
    private static final Pattern NUMBER = Pattern.compile("^[0-9]{1,4}$");
    private static final Pattern RATE = Pattern.compile("^(\\S+) (\\S+)$");
    private static final Set<String> RATE_UNITS = Set.of("minute", "minutes", "hour", "hours", "day", "days");

    private ScheduleExpressions() {}

    /** What is wrong with a recurring expression, {@code cron(...)} or {@code rate(...)}; empty when nothing is. */
    public static Optional<String> expressionProblem(String expression) {
        if (expression.startsWith("cron(") && expression.endsWith(")")) {
            return cronProblem(expression.substring(5, expression.length() - 1));
        }
        if (expression.startsWith("rate(") && expression.endsWith(")")) {
            return rateProblem(expression.substring(5, expression.length() - 1));
        }
        return Optional.of("must be cron(...) or rate(...)"
                + (expression.startsWith("at(") ? ": a job's schedule recurs, at(...) runs once" : ""));
    }

    /** What is wrong with a time zone; empty for an IANA name. Offsets such as {@code +01:00} are not names. */
    public static Optional<String> timezoneProblem(String timezone) {
        return ZoneId.getAvailableZoneIds().contains(timezone) ? Optional.empty()
                : Optional.of("must be an IANA time zone name such as UTC or Europe/Berlin");
    }

    private static Optional<String> rateProblem(String rate) {
        Matcher m = RATE.matcher(rate);
        if (!m.matches()) {
            return Optional.of("rate(...) must be rate(<value> <unit>) with one space between, e.g. rate(5 minutes)");
        }
        String value = m.group(1);
        String unit = m.group(2);
        if (!value.matches("[1-9][0-9]*")) {
            return Optional.of("rate value '" + value + "' must be a positive whole number");
        }
        if (!RATE_UNITS.contains(unit)) {
            return Optional.of("rate unit '" + unit + "' must be minute(s), hour(s) or day(s)");
        }
        boolean plural = unit.endsWith("s");
        if (value.equals("1") && plural) {
            return Optional.of("rate(1 ...) takes the singular unit '" + unit.substring(0, unit.length() - 1) + "'");
        }
        if (!value.equals("1") && !plural) {
            return Optional.of("a rate above 1 takes the plural unit '" + unit + "s'");
        }
        return Optional.empty();
    }

    private static Optional<String> cronProblem(String cron) {
        if (cron.isEmpty()) {
            return Optional.of("cron() must have 6 fields (" + CRON_FIELDS + ")");
        }
        String[] values = cron.split(" ", -1);
        if (List.of(values).contains("")) {
            return Optional.of("cron fields must be separated by single spaces");
        }
        if (values.length != CRON.size()) {
            return Optional.of("cron has " + values.length + " fields, must have 6 (" + CRON_FIELDS + ")");
        }
        for (int i = 0; i < values.length; i++) {
            Optional<String> problem = fieldProblem(CRON.get(i), values[i]);
            if (problem.isPresent()) {
                return problem;
            }
        }
        if (values[DAY_OF_MONTH].equals("?") == values[DAY_OF_WEEK].equals("?")) {
            return Optional.of("cron must have '?' in exactly one of day-of-month and day-of-week"
                    + " (the days are given in one of them, never in both)");
        }
        return Optional.empty();
    }

    private static Optional<String> fieldProblem(Field field, String value) {
        if (field.question() && value.equals("?")) {
            return Optional.empty();
        }
        Matcher whole = special(field, value);
        if (whole != null) {
            return specialProblem(field, value, whole);
        }
        for (String item : value.split(",", -1)) {
            if (item.equals("?")) {
                return Optional.of(field.question() ? "cron " + field.name() + " '?' must stand alone"
                        : "cron " + field.name() + " does not take '?' (only day-of-month and day-of-week do)");
            }
            if (special(field, item) != null) {
                return Optional.of("cron " + field.name() + " '" + item + "' must stand alone");
            }
            Optional<String> problem = itemProblem(field, item);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    /** The match when {@code value} is one of the field's whole-field forms (L, W, #), else null. */
    private static Matcher special(Field field, String value) {
        Matcher m = field.special() == null ? null : field.special().matcher(value);
        return m != null && m.matches() ? m : null;
    }

    private static Optional<String> specialProblem(Field field, String value, Matcher m) {
        if (field == CRON.get(DAY_OF_MONTH)) {
            return m.group(2) == null || number(m.group(2), 1, 31) ? Optional.empty()
                    : Optional.of("cron day-of-month '" + value + "' must be a day 1-31 followed by W");
        }
        if (m.group(2) != null && !number(m.group(2), 1, 7)) {
            return Optional.of("cron day-of-week '" + value + "' must be a day 1-7 followed by L, e.g. 6L");
        }
        if (m.group(3) != null && !(number(m.group(3), 1, 7) && number(m.group(4), 1, 5))) {
            return Optional.of("cron day-of-week '" + value + "' must be <day 1-7>#<1-5>, e.g. 3#2");
        }
        return Optional.empty();
    }

    /** One item of a list: {@code *}, a value or a range {@code a-b}, each optionally followed by {@code /<step>}. */
    private static Optional<String> itemProblem(Field field, String item) {
        String range = item;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            if (field.maxIncrement() == 0) {
                return Optional.of("cron " + field.name() + " does not take '/' increments");
            }
            range = item.substring(0, slash);
            if (!number(item.substring(slash + 1), 1, field.maxIncrement())) {
                return Optional.of("cron " + field.name() + " increment in '" + item + "' must be 1-"
                        + field.maxIncrement());
            }
        }
        if (range.equals("*")) {
            return Optional.empty();
        }
        String[] ends = range.split("-", -1);
        if (ends.length > 2) {
            return Optional.of("cron " + field.name() + " '" + item + "' must be a value, a range a-b or an increment");
        }
        int[] at = new int[ends.length];
        for (int i = 0; i < ends.length; i++) {
            at[i] = value(field, ends[i]);
            if (at[i] < 0) {
                return Optional.of("cron " + field.name() + " '" + (ends[i].isEmpty() ? item : ends[i]) + "' must be "
                        + field.values());
            }
        }
        if (at.length == 2 && at[0] > at[1]) {
            return Optional.of("cron " + field.name() + " range '" + range + "' must not run backwards (start after end)");
        }
        return Optional.empty();
    }

    /** The field's value for a number or a name (upper case only), or -1. */
    private static int value(Field field, String text) {
        if (number(text, field.min(), field.max())) {
            return Integer.parseInt(text);
        }
        int name = field.names().indexOf(text);
        return name < 0 ? -1 : field.min() + name;
    }

    private static boolean number(String text, int min, int max) {
        if (!NUMBER.matcher(text).matches()) {
            return false;
        }
        int n = Integer.parseInt(text);
        return n >= min && n <= max;
    }
}
