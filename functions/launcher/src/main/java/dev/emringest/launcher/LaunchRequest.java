package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.json.InputErrors;
import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A request to run one job once. It names a job and a run key, nothing else: SQL, hosts, paths and credentials
 * belong to the operator's job definition.
 */
public record LaunchRequest(String job, String runKey, Origin origin, Instant triggerTime, Backfill window) {

    /** Where the request came from: a busy incremental job skips a scheduled run but defers a queued one. */
    public enum Origin { SCHEDULE, QUEUE }

    /**
     * An explicit window: a backfill, which imports that window of the job's incremental tables and never moves the
     * watermark. {@code from}/{@code to} (ISO-8601 instants, {@code from <= column < to}) for {@code lastmodified}
     * tables, {@code above}/{@code upTo} (integers, {@code above < column <= upTo}) for {@code append} tables.
     */
    public record Backfill(Instant from, Instant to, Long above, Long upTo) {}

    /** A queued request without a send time or window, as tests and priming build it. */
    public LaunchRequest(String job, String runKey) {
        this(job, runKey, Origin.QUEUE, null, null);
    }

    /** Run keys become S3 keys and EMR tags: no slashes, no leading dash, no control characters. */
    static final Pattern RUN_KEY = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$");
    private static final Set<String> SQS_FIELDS = Set.of("job", "runKey", "window");

    public LaunchRequest {
        if (job == null || !JobDefinitionStore.JOB_NAME.matcher(job).matches()) {
            throw new InvalidRequestException("job: must be a string matching " + JobDefinitionStore.JOB_NAME.pattern());
        }
        if (runKey == null || !RUN_KEY.matcher(runKey).matches()) {
            throw new InvalidRequestException("runKey: must be a string matching " + RUN_KEY.pattern());
        }
        if (origin == null) {
            throw new InvalidRequestException("origin: missing");
        }
    }

    /**
     * EventBridge Scheduler's input {@code {"job": ..., "scheduledTime": ...}}, or the classic "Scheduled Event"
     * envelope whose {@code time} is the scheduled time and {@code detail} the request. Every retry of one firing
     * carries the same scheduled time, hence the same run key.
     */
    public static LaunchRequest fromSchedule(Map<String, Object> input) {
        if (input == null) {
            throw new InvalidRequestException("input: the schedule sent no input");
        }
        if ("Scheduled Event".equals(input.get("detail-type"))) {
            Object detail = input.get("detail");
            if (!(detail instanceof Map<?, ?> request)) {
                throw new InvalidRequestException("detail: must be an object naming the job");
            }
            String time = scheduledTime(input.get("time"), "time");
            return new LaunchRequest(string(request.get("job"), "detail.job"), time, Origin.SCHEDULE,
                    Instant.parse(time), null);
        }
        String time = scheduledTime(input.get("scheduledTime"), "scheduledTime");
        return new LaunchRequest(string(input.get("job"), "job"), time, Origin.SCHEDULE, Instant.parse(time), null);
    }

    /** An SQS message body; its run key is the body's {@code runKey}, else the message id. */
    public static LaunchRequest fromSqs(String body, String messageId) {
        return fromSqs(body, messageId, null);
    }

    /**
     * An SQS message body sent at {@code sentAt} (SQS's {@code SentTimestamp}; null when unknown): the end of a
     * {@code lastmodified} window is fixed by the send time, so every redelivery computes the same window.
     */
    public static LaunchRequest fromSqs(String body, String messageId, Instant sentAt) {
        JsonValue value;
        try {
            // A body naming a field twice is ambiguous (which job?): refused, not resolved by "last one wins".
            value = body == null ? null : JsonDocuments.read(body);
        } catch (JsonDocuments.NotJsonException e) {
            throw new InvalidRequestException(e.duplicate().map(f -> f + ": appears twice in the body")
                    .orElse("body: " + e.getMessage()));
        }
        if (!(value instanceof JsonObject node)) {
            throw new InvalidRequestException("body: must be a JSON object such as {\"job\": \"orders\"}");
        }
        for (String field : node.keySet()) {
            if (!SQS_FIELDS.contains(field)) {
                throw new InvalidRequestException(InputErrors.printable(field) + ": unknown field (allowed: job, runKey, window)");
            }
        }
        Backfill window = node.containsKey("window") ? backfill(node.get("window")) : null;
        if (!(node.get("job") instanceof JsonString job)) {
            throw new InvalidRequestException("job: must be a string matching " + JobDefinitionStore.JOB_NAME.pattern());
        }
        JsonValue runKey = node.get("runKey");
        if (runKey != null && !(runKey instanceof JsonString)) {
            throw new InvalidRequestException("runKey: must be a string matching " + RUN_KEY.pattern());
        }
        return new LaunchRequest(job.getString(), runKey == null ? messageId : ((JsonString) runKey).getString(),
                Origin.QUEUE, sentAt, window);
    }

    private static final Set<String> WINDOW_FIELDS = Set.of("from", "to", "above", "upTo");

    /** A backfill window, validated into typed values: nothing of it is ever pasted into SQL as text. */
    static Backfill backfill(JsonValue value) {
        if (!(value instanceof JsonObject w)) {
            throw new InvalidRequestException("window: must be an object {\"from\", \"to\"} or {\"above\", \"upTo\"}");
        }
        for (String field : w.keySet()) {
            if (!WINDOW_FIELDS.contains(field)) {
                throw new InvalidRequestException("window." + InputErrors.printable(field)
                        + ": unknown field (allowed: from, to, above, upTo)");
            }
        }
        Instant from = instant(w.get("from"), "window.from");
        Instant to = instant(w.get("to"), "window.to");
        Long above = integer(w.get("above"), "window.above");
        Long upTo = integer(w.get("upTo"), "window.upTo");
        if ((from == null) != (to == null)) {
            throw new InvalidRequestException((from == null ? "window.from" : "window.to")
                    + ": from and to go together");
        }
        if ((above == null) != (upTo == null)) {
            throw new InvalidRequestException((above == null ? "window.above" : "window.upTo")
                    + ": above and upTo go together");
        }
        if (from == null && above == null) {
            throw new InvalidRequestException("window: needs from and to, or above and upTo");
        }
        if (from != null && !from.isBefore(to)) {
            throw new InvalidRequestException("window.to: must be after window.from");
        }
        if (above != null && above >= upTo) {
            throw new InvalidRequestException("window.upTo: must be greater than window.above");
        }
        return new Backfill(from, to, above, upTo);
    }

    private static Instant instant(JsonValue value, String field) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonString text)) {
            throw new InvalidRequestException(field + ": must be an ISO-8601 instant such as 2026-11-25T02:00:00Z");
        }
        try {
            return Instant.parse(text.getString());
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(field + ": must be an ISO-8601 instant such as 2026-11-25T02:00:00Z");
        }
    }

    private static Long integer(JsonValue value, String field) {
        if (value == null) {
            return null;
        }
        try {
            if (value instanceof JsonNumber number && number.isIntegral()) {
                return number.longValueExact();
            }
        } catch (ArithmeticException e) {
            // beyond 64 bits: refused below
        }
        throw new InvalidRequestException(field + ": must be an integer (a 64-bit key)");
    }

    private static String string(Object value, String field) {
        if (!(value instanceof String s)) {
            throw new InvalidRequestException(field + ": must be a string naming the job");
        }
        return s;
    }

    private static String scheduledTime(Object value, String field) {
        if (!(value instanceof String s)) {
            throw new InvalidRequestException(field + ": must be the scheduled time as an ISO-8601 instant");
        }
        try {
            return Instant.parse(s).toString();
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(field + ": must be the scheduled time as an ISO-8601 instant");
        }
    }
}
