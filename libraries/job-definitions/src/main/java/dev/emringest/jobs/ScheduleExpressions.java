package dev.emringest.jobs;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
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
    /**
     * {@link #longestGap}'s cron firings are those of this many days from 2026-01-01: a whole year, plus enough for the
     * gap from the year's last firing to the next (a month, with room). Fixed, so a definition's gap never depends on
     * when it is parsed.
     */
    static final Duration HORIZON = Duration.ofDays(400);
    private static final LocalDate REFERENCE = LocalDate.of(2026, 1, 1);
    private static final LocalDate END = REFERENCE.plusDays(HORIZON.toDays());
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

    /**
     * The longest time between two consecutive firings of a valid expression in its time zone: a {@code rate(...)}'s
     * rate; for a {@code cron(...)}, the longest gap among its firings over {@link #HORIZON} from 2026-01-01 00:00 in
     * the zone. No gap is longer than the horizon: a cron that fires fewer than twice in it (a single year in its year
     * field, a year past) or a longer rate gives the horizon.
     *
     * @throws IllegalArgumentException when the expression or the time zone has a problem
     */
    public static Duration longestGap(String expression, String timezone) {
        Optional<String> problem = expressionProblem(expression).or(() -> timezoneProblem(timezone));
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        String inner = expression.substring(5, expression.length() - 1);
        return expression.startsWith("rate(") ? rate(inner) : cronGap(inner.split(" "), ZoneId.of(timezone));
    }

    private static Duration rate(String rate) {
        String[] parts = rate.split(" ");
        long minutes = parts[1].startsWith("minute") ? 1 : parts[1].startsWith("hour") ? 60 : 1440;
        // The value may have any number of digits; anything past the horizon is the horizon.
        return parts[0].length() > 6 || Long.parseLong(parts[0]) * minutes > HORIZON.toMinutes() ? HORIZON
                : Duration.ofMinutes(Long.parseLong(parts[0]) * minutes);
    }

    /**
     * EventBridge Scheduler reads a cron in local time: a local time that does not exist (skipped by a DST change in
     * spring) does not fire, one that exists twice (autumn) fires once, at its first instant. So the firings are
     * local date-times turned into instants, and a gap is measured between instants. Days are checked one by one
     * (year, month, day); only on the days that fire do the hours and minutes count.
     */
    private static Duration cronGap(String[] fields, ZoneId zone) {
        List<LocalTime> times = new ArrayList<>();
        BitSet minutes = values(CRON.get(0), fields[0]);
        values(CRON.get(1), fields[1]).stream()
                .forEach(h -> minutes.stream().forEach(m -> times.add(LocalTime.of(h, m))));
        Duration withinDay = Duration.ZERO;
        for (int i = 1; i < times.size(); i++) {
            withinDay = max(withinDay, Duration.between(times.get(i - 1), times.get(i)));
        }
        Predicate<LocalDate> days = days(fields[DAY_OF_MONTH], fields[DAY_OF_WEEK]);
        BitSet months = values(CRON.get(3), fields[3]);
        BitSet years = values(CRON.get(5), fields[5]);
        ZoneRules rules = zone.getRules();
        Instant previous = null;
        Duration longest = Duration.ZERO;
        int firings = 0;
        for (LocalDate date = REFERENCE; date.isBefore(END); date = date.plusDays(1)) {
            if (!years.get(date.getYear()) || !months.get(date.getMonthValue()) || !days.test(date)) {
                continue;
            }
            ZoneOffset offset = steadyOffset(rules, date);
            if (offset != null) {
                // One offset all day: the gaps within it are those of the local times.
                Instant first = date.atTime(times.get(0)).toInstant(offset);
                Duration before = previous == null ? Duration.ZERO : Duration.between(previous, first);
                longest = max(longest, max(withinDay, before));
                previous = date.atTime(times.get(times.size() - 1)).toInstant(offset);
                firings += times.size();
                continue;
            }
            for (LocalTime time : times) {
                LocalDateTime local = date.atTime(time);
                ZonedDateTime at = ZonedDateTime.of(local, zone);  // the earlier offset in an overlap
                if (!at.toLocalDateTime().equals(local)) {
                    continue;  // in a gap: ZonedDateTime moved it later; EventBridge skips it
                }
                if (previous != null) {
                    longest = max(longest, Duration.between(previous, at.toInstant()));
                }
                previous = at.toInstant();
                firings++;
            }
        }
        return firings < 2 ? HORIZON : longest;
    }

    /** The zone's offset on {@code date} when it has one from midnight to midnight, else null (a DST change). */
    private static ZoneOffset steadyOffset(ZoneRules rules, LocalDate date) {
        List<ZoneOffset> offsets = rules.getValidOffsets(date.atStartOfDay());
        if (offsets.size() != 1) {
            return null;
        }
        Instant start = date.atStartOfDay().toInstant(offsets.get(0));
        ZoneOffsetTransition next = rules.nextTransition(start);
        return next == null || !next.getInstant().isBefore(start.plus(Duration.ofDays(1))) ? offsets.get(0) : null;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** The days a valid cron's day-of-month and day-of-week select; exactly one of them is '?'. */
    private static Predicate<LocalDate> days(String dayOfMonth, String dayOfWeek) {
        if (dayOfWeek.equals("?")) {
            if (dayOfMonth.equals("L")) {
                return d -> d.getDayOfMonth() == d.lengthOfMonth();
            }
            if (dayOfMonth.equals("LW")) {
                return d -> d.equals(nearestWeekday(d.withDayOfMonth(d.lengthOfMonth())));
            }
            if (dayOfMonth.endsWith("W")) {
                int day = Integer.parseInt(dayOfMonth.substring(0, dayOfMonth.length() - 1));
                // The reference is silent on 31W in April: like 31 alone, a month without the day does not fire.
                return d -> day <= d.lengthOfMonth() && d.equals(nearestWeekday(d.withDayOfMonth(day)));
            }
            BitSet set = values(CRON.get(DAY_OF_MONTH), dayOfMonth);
            return d -> set.get(d.getDayOfMonth());
        }
        Matcher m = special(CRON.get(DAY_OF_WEEK), dayOfWeek);
        if (m == null) {
            BitSet set = values(CRON.get(DAY_OF_WEEK), dayOfWeek);
            return d -> set.get(cronDay(d));
        }
        if (m.group(2) != null) {
            int day = Integer.parseInt(m.group(2));
            return d -> cronDay(d) == day && d.getDayOfMonth() + 7 > d.lengthOfMonth();
        }
        if (m.group(3) != null) {
            int day = Integer.parseInt(m.group(3));
            int n = Integer.parseInt(m.group(4));
            // No n-th such day this month (a fifth Monday): it does not fire.
            return d -> cronDay(d) == day && (d.getDayOfMonth() - 1) / 7 + 1 == n;
        }
        return d -> d.getDayOfWeek() == DayOfWeek.SATURDAY;  // L alone: the week's last day
    }

    /** 1 (Sunday) to 7 (Saturday), as cron numbers them. */
    private static int cronDay(LocalDate date) {
        return date.getDayOfWeek().getValue() % 7 + 1;
    }

    /**
     * The weekday nearest {@code day} without leaving its month: a Saturday moves back to Friday (on the 1st, on to
     * Monday the 3rd), a Sunday on to Monday (on the month's last day, back to Friday).
     */
    private static LocalDate nearestWeekday(LocalDate day) {
        return switch (day.getDayOfWeek()) {
            case SATURDAY -> day.getDayOfMonth() == 1 ? day.plusDays(2) : day.minusDays(1);
            case SUNDAY -> day.getDayOfMonth() == day.lengthOfMonth() ? day.minusDays(2) : day.plusDays(1);
            default -> day;
        };
    }

    /** A valid list's values: each item {@code *}, a value or a range by its increment; {@code a/n} runs to the end. */
    private static BitSet values(Field field, String list) {
        BitSet set = new BitSet();
        for (String item : list.split(",")) {
            int slash = item.indexOf('/');
            String range = slash < 0 ? item : item.substring(0, slash);
            int step = slash < 0 ? 1 : Integer.parseInt(item.substring(slash + 1));
            String[] ends = range.split("-");
            int from = range.equals("*") ? field.min() : value(field, ends[0]);
            int to = range.equals("*") ? field.max() : ends.length == 2 ? value(field, ends[1])
                    : slash < 0 ? from : field.max();
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
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
