package dev.emringest.jobs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.ssm.model.Parameter;

/**
 * Reads a job's definition from SSM Parameter Store: {@code <prefix>/defaults} and {@code <prefix>/jobs/<job>} in
 * one {@code GetParameters} call, never with decryption (the launcher has no business with secrets).
 */
public final class JobDefinitionStore {

    /** Job names become SSM paths, S3 keys, cluster names and tags: keep them to a safe alphabet. */
    public static final Pattern JOB_NAME = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,47}$");

    private final SsmClient ssm;
    private final String prefix;
    private final JobDefinitionParser parser;
    /**
     * Definitions parsed in this container, by the documents they were parsed from: a warm launch of an unchanged
     * job skips parsing and validation. Only valid ones are kept; a few jobs' worth, least recently used first out.
     */
    private final Map<List<String>, JobDefinition> parsed = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<List<String>, JobDefinition> eldest) {
                    return size() > 32;
                }
            });

    public JobDefinitionStore(SsmClient ssm, String prefix) {
        this(ssm, prefix, new JobDefinitionParser(prefix));
    }

    /** @param parser a parser for the same prefix, built ahead (its schema is compiled when it is built) */
    public JobDefinitionStore(SsmClient ssm, String prefix, JobDefinitionParser parser) {
        this.ssm = ssm;
        this.prefix = prefix;
        this.parser = parser;
    }

    /**
     * Parses and validates a built-in definition, as {@link #load} does with the stored ones, and builds the SSM
     * request and answer types {@link #load} uses, without calling SSM: priming, so the launch path's classes are
     * loaded and initialised before the first launch.
     */
    public static JobDefinition prime(JobDefinitionParser parser, String prefix) {
        GetParametersRequest.builder().names(prefix + "/defaults", prefix + "/jobs/priming").withDecryption(false).build();
        GetParametersResponse.builder().parameters(Parameter.builder().name(prefix + "/jobs/priming").value("{}")
                .version(1L).build()).invalidParameters(List.of()).build();
        String job = "{\"schedule\": {\"expression\": \"cron(0 2 ? * MON-FRI *)\", \"timezone\": \"UTC\"},"
                + " \"source\": {\"jdbcUrl\": \"jdbc:mysql://priming.invalid:3306/db\", \"username\": \"priming\","
                + " \"passwordParameter\": \"" + prefix + "/secrets/priming\", \"tables\": [{\"name\": \"t\","
                + " \"splitBy\": \"id\", \"columns\": [\"id\"], \"transform\": {\"sql\": \"SELECT id FROM source\"}}]},"
                + " \"target\": {\"s3Uri\": \"s3://priming-bucket/t\", \"format\": \"parquet\"},"
                + " \"cluster\": {\"releaseLabel\": \"emr-7.4.0\", \"master\": {\"instanceTypes\": [\"m5.xlarge\"]},"
                + " \"core\": {\"instanceTypes\": [\"m5.xlarge\"], \"count\": 1}, \"tags\": {\"team\": \"priming\"},"
                + " \"configurations\": [{\"Classification\": \"spark-defaults\", \"Properties\": {\"k\": \"v\"}}]}}";
        return parser.parse("priming", "{\"importer\": \"sqoop\"}", job, "priming");
    }

    public JobDefinition load(String job) {
        if (job == null || !JOB_NAME.matcher(job).matches()) {
            throw new JobDefinitionException(String.valueOf(job),
                    List.of("job: must match " + JOB_NAME.pattern()));
        }
        String defaultsName = prefix + "/defaults";
        String jobName = prefix + "/jobs/" + job;
        GetParametersResponse response = ssm.getParameters(r -> r.names(defaultsName, jobName).withDecryption(false));
        Map<String, Parameter> found = response.parameters().stream()
                .collect(Collectors.toMap(Parameter::name, Function.identity()));
        Parameter definition = found.get(jobName);
        if (definition == null) {
            throw new JobDefinitionException(job, List.of("job: no definition at SSM parameter " + jobName));
        }
        return parse(job, found.get(defaultsName), definition);
    }

    /** One stored job: its definition, or why it has none that is valid. */
    public record Stored(String job, JobDefinition definition, JobDefinitionException invalid) {}

    /**
     * Every job stored under {@code <prefix>/jobs/}, each parsed over the defaults or with its problems. An SSM
     * error is thrown, never read as "no jobs": a caller must not act on a partial list.
     */
    public List<Stored> loadAll() {
        String defaultsName = prefix + "/defaults";
        Parameter defaults = ssm.getParameters(r -> r.names(defaultsName).withDecryption(false)).parameters()
                .stream().filter(p -> p.name().equals(defaultsName)).findFirst().orElse(null);
        String jobsPath = prefix + "/jobs/";
        List<Stored> jobs = new ArrayList<>();
        ssm.getParametersByPathPaginator(r -> r.path(prefix + "/jobs").recursive(false).withDecryption(false))
                .stream().flatMap(page -> page.parameters().stream()).forEach(definition -> {
                    String job = definition.name().substring(jobsPath.length());
                    try {
                        if (!JOB_NAME.matcher(job).matches()) {
                            throw new JobDefinitionException(job, List.of("job: must match " + JOB_NAME.pattern()));
                        }
                        jobs.add(new Stored(job, parse(job, defaults, definition), null));
                    } catch (JobDefinitionException e) {
                        jobs.add(new Stored(job, null, e));
                    }
                });
        return jobs;
    }

    private JobDefinition parse(String job, Parameter defaults, Parameter definition) {
        String version = "jobs/" + job + "@" + definition.version()
                + (defaults == null ? "" : ",defaults@" + defaults.version());
        List<String> documents = List.of(job, version, defaults == null ? "" : defaults.value(), definition.value());
        JobDefinition known = parsed.get(documents);
        if (known != null) {
            return known;
        }
        JobDefinition parsedNow = parser.parse(job, defaults == null ? null : defaults.value(), definition.value(),
                version);
        parsed.put(documents, parsedNow);
        return parsedNow;
    }
}
