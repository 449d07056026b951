package dev.emringest.launcher;

import dev.emringest.jobs.InputErrors;
import dev.emringest.jobs.JobDefinitionStore;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A request to run one job once. It names a job and a run key, nothing else: SQL, hosts, paths and credentials
 * belong to the operator's job definition.
 */
public record LaunchRequest(String job, String runKey) {

    /** Run keys become S3 keys and EMR tags: no slashes, no leading dash, no control characters. */
    static final Pattern RUN_KEY = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$");
    private static final Set<String> SQS_FIELDS = Set.of("job", "runKey", "window");
    /** A body naming a field twice is ambiguous (which job?): rejected, not resolved by "last one wins". */
    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public LaunchRequest {
        if (job == null || !JobDefinitionStore.JOB_NAME.matcher(job).matches()) {
            throw new InvalidRequestException("job: must be a string matching " + JobDefinitionStore.JOB_NAME.pattern());
        }
        if (runKey == null || !RUN_KEY.matcher(runKey).matches()) {
            throw new InvalidRequestException("runKey: must be a string matching " + RUN_KEY.pattern());
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
            return new LaunchRequest(string(request.get("job"), "detail.job"), scheduledTime(input.get("time"), "time"));
        }
        return new LaunchRequest(string(input.get("job"), "job"),
                scheduledTime(input.get("scheduledTime"), "scheduledTime"));
    }

    /** An SQS message body; its run key is the body's {@code runKey}, else the message id. */
    public static LaunchRequest fromSqs(String body, String messageId) {
        JsonNode node;
        try {
            node = body == null ? null : JSON.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidRequestException(InputErrors.duplicateField(e).map(f -> f + ": appears twice in the body")
                    .orElse("body: " + InputErrors.notJson(e)));
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("body: must be a JSON object such as {\"job\": \"orders\"}");
        }
        for (String field : node.propertyNames()) {
            if (!SQS_FIELDS.contains(field)) {
                throw new InvalidRequestException(InputErrors.printable(field) + ": unknown field (allowed: job, runKey)");
            }
        }
        if (node.has("window")) {
            throw new InvalidRequestException("window: backfill windows need incremental jobs, which this version "
                    + "does not run yet");
        }
        JsonNode job = node.get("job");
        if (job == null || !job.isString()) {
            throw new InvalidRequestException("job: must be a string matching " + JobDefinitionStore.JOB_NAME.pattern());
        }
        JsonNode runKey = node.get("runKey");
        if (runKey != null && !runKey.isString()) {
            throw new InvalidRequestException("runKey: must be a string matching " + RUN_KEY.pattern());
        }
        return new LaunchRequest(job.asString(), runKey == null ? messageId : runKey.asString());
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
