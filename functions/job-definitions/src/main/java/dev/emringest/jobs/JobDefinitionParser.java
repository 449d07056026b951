package dev.emringest.jobs;

import dev.emringest.jobs.JobDefinition.BootstrapAction;
import dev.emringest.jobs.JobDefinition.Cluster;
import dev.emringest.jobs.JobDefinition.CoreInstances;
import dev.emringest.jobs.JobDefinition.InstanceGroup;
import dev.emringest.jobs.JobDefinition.Source;
import dev.emringest.jobs.JobDefinition.SparkStep;
import dev.emringest.jobs.JobDefinition.Table;
import dev.emringest.jobs.JobDefinition.Target;
import dev.emringest.jobs.JobDefinition.Transform;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns the two SSM documents into a {@link JobDefinition}: merge the job over the defaults, validate against the
 * schema, then check the rules a schema cannot express. Pure: no AWS calls.
 */
public final class JobDefinitionParser {

    /** Last release label that ships Sqoop, and the first whose default Java runs our Java 17 bytecode. */
    static final int[] LAST_SQOOP_RELEASE = {7, 4, 0};
    static final int[] FIRST_SUPPORTED_RELEASE = {7, 0, 0};

    /** Connector options that read local files, deserialize objects or put credentials in the URL. */
    private static final Set<String> FORBIDDEN_JDBC_OPTIONS = Set.of(
            "user", "password", "password1", "password2", "password3",
            "allowloadlocalinfile", "allowlocalinfile", "allowurlinlocalinfile", "allowloadlocalinfileinpath",
            "autodeserialize", "queryinterceptors", "exceptioninterceptors", "connectionlifecycleinterceptors",
            "propertiestransform", "socketfactory", "clientcertificatekeystoreurl",
            "trustcertificatekeystoreurl", "servercertificatekeystoreurl");
    private static final Pattern RELEASE = Pattern.compile("^emr-(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final TypeReference<Map<String, Object>> CONFIGURATION = new TypeReference<>() { };

    private final JobSchema schema = new JobSchema();
    private final String secretsPrefix;

    /** @param parameterPrefix the SSM prefix, e.g. {@code /emr-ingest}; passwords must live under its {@code secrets/}. */
    public JobDefinitionParser(String parameterPrefix) {
        this.secretsPrefix = parameterPrefix + "/secrets/";
    }

    /**
     * @param defaultsJson the {@code <prefix>/defaults} document, or null when there is none
     * @param jobJson the {@code <prefix>/jobs/<job>} document
     */
    public JobDefinition parse(String job, String defaultsJson, String jobJson, String version) {
        JsonNode defaults = defaultsJson == null ? JSON.createObjectNode() : read(job, "defaults", defaultsJson);
        JsonNode merged = merge(defaults, read(job, "jobs/" + job, jobJson));
        List<String> problems = new ArrayList<>(schema.problems(merged));
        if (!problems.isEmpty()) {
            throw new JobDefinitionException(job, problems);
        }
        JobDefinition definition = toDefinition(job, version, merged);
        problems.addAll(ruleProblems(definition));
        if (!problems.isEmpty()) {
            throw new JobDefinitionException(job, problems);
        }
        return definition;
    }

    private static JsonNode read(String job, String document, String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new JobDefinitionException(job, List.of(document + ": must be a JSON object"));
            }
            return node;
        } catch (JacksonException e) {
            throw new JobDefinitionException(job, List.of(document + ": " + InputErrors.notJson(e)));
        }
    }

    /** Objects merge key by key; anything else in the job replaces the default. */
    static JsonNode merge(JsonNode defaults, JsonNode job) {
        if (!defaults.isObject() || !job.isObject()) {
            return job.deepCopy();
        }
        ObjectNode merged = (ObjectNode) defaults.deepCopy();
        for (Map.Entry<String, JsonNode> field : job.properties()) {
            JsonNode base = merged.get(field.getKey());
            merged.set(field.getKey(), base == null ? field.getValue().deepCopy() : merge(base, field.getValue()));
        }
        return merged;
    }

    private static JobDefinition toDefinition(String job, String version, JsonNode d) {
        JsonNode s = d.path("source");
        List<Table> tables = new ArrayList<>();
        for (JsonNode t : s.path("tables")) {
            JsonNode tf = t.path("transform");
            JsonNode inc = t.path("incremental");
            tables.add(new Table(t.path("name").asString(), strings(t.path("columns")), text(t, "splitBy"),
                    t.path("mappers").asInt(4),
                    tf.isMissingNode() ? null : new Transform(strings(tf.path("columns")), text(tf, "sql")),
                    inc.isMissingNode() ? null : new JobDefinition.Incremental(inc.path("column").asString(),
                            inc.path("mode").asString(), inc.path("lagSeconds").asInt(0))));
        }
        Source source = new Source(s.path("jdbcUrl").asString(), s.path("username").asString(),
                s.path("passwordParameter").asString(), s.path("stagingFormat").asString("avro"), tables);
        JsonNode t = d.path("target");
        Target target = new Target(t.path("s3Uri").asString(), t.path("format").asString("parquet"));

        JsonNode c = d.path("cluster");
        JsonNode core = c.path("core");
        List<BootstrapAction> bootstrap = new ArrayList<>();
        for (JsonNode b : c.path("bootstrapActions")) {
            bootstrap.add(new BootstrapAction(b.path("name").asString(), b.path("path").asString(),
                    strings(b.path("args"))));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        c.path("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asString()));
        List<Map<String, Object>> configurations = new ArrayList<>();
        for (JsonNode conf : c.path("configurations")) {
            configurations.add(JSON.convertValue(conf, CONFIGURATION));
        }
        Cluster cluster = new Cluster(c.path("releaseLabel").asString(),
                new InstanceGroup(strings(c.path("master").path("instanceTypes"))),
                new CoreInstances(strings(core.path("instanceTypes")), core.path("count").asInt(),
                        core.path("market").asString("ON_DEMAND"), core.path("spotTimeoutMinutes").asInt(20)),
                c.path("maxInstances").asInt(10), c.path("idleTimeoutSeconds").asInt(3600),
                strings(c.path("subnetIds")), text(c, "securityConfiguration"), text(c, "logUri"),
                tags, configurations, bootstrap);

        List<SparkStep> extra = new ArrayList<>();
        for (JsonNode e : d.path("extraSparkSteps")) {
            extra.add(new SparkStep(e.path("name").asString(), e.path("mainClass").asString(),
                    e.path("jar").asString(), strings(e.path("args"))));
        }
        return new JobDefinition(job, version, d.path("importer").asString("sqoop"), source, target, cluster, extra);
    }

    private List<String> ruleProblems(JobDefinition d) {
        List<String> problems = new ArrayList<>();
        if (!d.source().passwordParameter().startsWith(secretsPrefix)) {
            problems.add("source.passwordParameter: must name a SecureString under " + secretsPrefix
                    + " (the only path the cluster role may read)");
        }
        jdbcOptionProblem(d.source().jdbcUrl()).ifPresent(problems::add);
        Set<String> seen = new HashSet<>();
        List<Table> tables = d.source().tables();
        for (int i = 0; i < tables.size(); i++) {
            if (!seen.add(tables.get(i).name().toLowerCase(Locale.ROOT))) {
                problems.add("source.tables[" + i + "].name: table '" + tables.get(i).name() + "' is listed twice");
            }
            Table table = tables.get(i);
            if (table.incremental() != null && !table.columns().isEmpty()
                    && table.columns().stream().noneMatch(col -> col.equalsIgnoreCase(table.incremental().column()))) {
                problems.add("source.tables[" + i + "].incremental.column: '" + table.incremental().column()
                        + "' must be one of the table's columns");
            }
        }
        Cluster c = d.cluster();
        int instances = 1 + c.core().count();
        if (instances > c.maxInstances()) {
            problems.add("cluster.core.count: 1 master + " + c.core().count() + " core instances exceeds "
                    + "cluster.maxInstances (" + c.maxInstances() + ")");
        }
        Matcher m = RELEASE.matcher(c.releaseLabel());
        if (m.matches()) {
            int[] release = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
            if (compare(release, FIRST_SUPPORTED_RELEASE) < 0) {
                problems.add("cluster.releaseLabel: " + c.releaseLabel()
                        + " is older than emr-7.0.0, the first release whose default Java runs the Spark job");
            } else if ("sqoop".equals(d.importer()) && compare(release, LAST_SQOOP_RELEASE) > 0) {
                problems.add("cluster.releaseLabel: importer 'sqoop' needs emr-7.4.0 or earlier ("
                        + c.releaseLabel() + " ships no Sqoop; use importer 'spark-jdbc')");
            }
        }
        return problems;
    }

    private static Optional<String> jdbcOptionProblem(String jdbcUrl) {
        int query = jdbcUrl.indexOf('?');
        if (query < 0) {
            return Optional.empty();
        }
        for (String pair : jdbcUrl.substring(query + 1).split("&")) {
            String name = pair.split("=", 2)[0];
            // Connector/J percent-decodes option names: allowLoadLocal%49nfile is allowLoadLocalInfile.
            String decoded;
            try {
                decoded = URLDecoder.decode(name, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return Optional.of("source.jdbcUrl: option '" + InputErrors.printable(name) + "' is badly encoded");
            }
            if (FORBIDDEN_JDBC_OPTIONS.contains(decoded.toLowerCase(Locale.ROOT))) {
                return Optional.of("source.jdbcUrl: option '" + InputErrors.printable(decoded)
                        + "' is not allowed (credentials belong in source.passwordParameter; local-file and "
                        + "deserialization options are unsafe)");
            }
        }
        return Optional.empty();
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return 0;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.asString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asString()));
        return List.copyOf(values);
    }
}
