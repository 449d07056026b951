package dev.emringest.jobs;

import dev.emringest.jobs.JobDefinition.BootstrapAction;
import dev.emringest.jobs.JobDefinition.Cluster;
import dev.emringest.jobs.JobDefinition.CoreInstances;
import dev.emringest.jobs.JobDefinition.Freshness;
import dev.emringest.jobs.JobDefinition.Importer;
import dev.emringest.jobs.JobDefinition.Incremental.Mode;
import dev.emringest.jobs.JobDefinition.InstanceGroup;
import dev.emringest.jobs.JobDefinition.Schedule;
import dev.emringest.jobs.JobDefinition.Secret;
import dev.emringest.jobs.JobDefinition.Source;
import dev.emringest.jobs.JobDefinition.SparkStep;
import dev.emringest.jobs.JobDefinition.Table;
import dev.emringest.jobs.JobDefinition.TableMode;
import dev.emringest.jobs.JobDefinition.TableTarget;
import dev.emringest.jobs.JobDefinition.Target;
import dev.emringest.jobs.JobDefinition.Tls;
import dev.emringest.jobs.JobDefinition.TlsMode;
import dev.emringest.jobs.JobDefinition.Transform;
import dev.emringest.json.InputErrors;
import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the two SSM documents into a {@link JobDefinition}: merge the job over the defaults, validate against the
 * schema, then check the rules a schema cannot express. Pure: no AWS calls.
 */
public final class JobDefinitionParser {

    /**
     * Modest on purpose: the source is usually a production database serving its own users. A definition without
     * {@code maxConnections} whose tables read with more {@code mappers} gets the most of those instead.
     */
    static final int DEFAULT_MAX_CONNECTIONS = 8;
    /** Last release label that ships Sqoop, and the first whose default Java runs our Java 17 bytecode. */
    static final int[] LAST_SQOOP_RELEASE = {7, 4, 0};
    static final int[] FIRST_SUPPORTED_RELEASE = {7, 0, 0};

    /** Connector options that read local files, deserialize objects or put credentials in the URL. */
    private static final Set<String> FORBIDDEN_JDBC_OPTIONS = Set.of(
            "user", "password", "password1", "password2", "password3",
            "allowloadlocalinfile", "allowlocalinfile", "allowurlinlocalinfile", "allowloadlocalinfileinpath",
            "autodeserialize", "queryinterceptors", "exceptioninterceptors", "connectionlifecycleinterceptors",
            "propertiestransform", "socketfactory", "servercertificatekeystoreurl");
    /**
     * Connector/J's TLS options (and their older aliases): one place, {@code source.tls}, decides TLS, and the step
     * scripts write these from it.
     */
    private static final Set<String> TLS_JDBC_OPTIONS = Set.of(
            "sslmode", "usessl", "requiressl", "verifyservercertificate", "trustcertificatekeystoreurl",
            "trustcertificatekeystoretype", "trustcertificatekeystorepassword", "fallbacktosystemtruststore",
            "clientcertificatekeystoreurl", "clientcertificatekeystoretype", "clientcertificatekeystorepassword",
            "fallbacktosystemkeystore", "tlsversions", "enabledtlsprotocols", "tlsciphersuites",
            "enabledsslciphersuites");
    private static final Pattern RELEASE = Pattern.compile("^emr-(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");

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
        JsonObject defaults = defaultsJson == null ? JsonValue.EMPTY_JSON_OBJECT : read(job, "defaults", defaultsJson);
        JsonObject own = read(job, "jobs/" + job, jobJson);
        if (!own.containsKey("schedule")) {
            // The defaults' schedule only fills in a job's own: a default must never schedule every job.
            defaults = JsonDocuments.JSON.createObjectBuilder(defaults).remove("schedule").build();
        }
        JsonObject merged = (JsonObject) merge(defaults, own);
        List<String> problems = new ArrayList<>(schema.problems(merged));
        if (!problems.isEmpty()) {
            throw new JobDefinitionException(job, problems);
        }
        JobDefinition definition = toDefinition(job, version, merged);
        problems.addAll(targetProblems(merged));
        problems.addAll(ruleProblems(definition));
        if (!problems.isEmpty()) {
            throw new JobDefinitionException(job, problems);
        }
        return definition;
    }

    private static JsonObject read(String job, String document, String json) {
        try {
            if (JsonDocuments.read(json) instanceof JsonObject object) {
                return object;
            }
            throw new JobDefinitionException(job, List.of(document + ": must be a JSON object"));
        } catch (JsonDocuments.NotJsonException e) {
            throw new JobDefinitionException(job, List.of(document + ": " + e.getMessage()));
        }
    }

    /** Objects merge key by key; anything else in the job replaces the default. */
    static JsonValue merge(JsonValue defaults, JsonValue job) {
        if (!(defaults instanceof JsonObject base) || !(job instanceof JsonObject over)) {
            return job;
        }
        JsonObjectBuilder merged = JsonDocuments.JSON.createObjectBuilder(base);
        over.forEach((key, value) -> merged.add(key, base.containsKey(key) ? merge(base.get(key), value) : value));
        return merged.build();
    }

    private static JobDefinition toDefinition(String job, String version, JsonObject d) {
        JsonObject jt = object(d, "target");
        Target.Format format = JobDefinition.fromSchemaName(Target.Format.class, jt.getString("format", "parquet"));
        // A parquet target has no database or mode: targetProblems rejects the ones given.
        Target target = format == Target.Format.ICEBERG
                ? new Target(jt.getString("s3Uri"), format, text(jt, "database"),
                        JobDefinition.fromSchemaName(TableMode.class, jt.getString("mode", "merge")))
                : new Target(jt.getString("s3Uri"), format, null, null);

        JsonObject s = object(d, "source");
        List<Table> tables = new ArrayList<>();
        for (JsonObject t : objects(s, "tables")) {
            JsonObject tf = t.getJsonObject("transform");
            JsonObject inc = t.getJsonObject("incremental");
            tables.add(new Table(t.getString("name"), strings(t, "columns"), text(t, "splitBy"), t.getInt("mappers", 4),
                    tf == null ? null : new Transform(strings(tf, "columns"), text(tf, "sql")),
                    inc == null ? null : new JobDefinition.Incremental(inc.getString("column"),
                            JobDefinition.fromSchemaName(Mode.class, inc.getString("mode")), inc.getInt("lagSeconds", 0)),
                    target.iceberg() ? tableTarget(target, t) : null));
        }
        JsonObject secret = s.getJsonObject("secret");
        JsonObject tls = object(s, "tls");
        Source source = new Source(text(s, "jdbcUrl"), text(s, "username"), text(s, "passwordParameter"),
                secret == null ? null : new Secret(secret.getString("id"), secret.getString("passwordKey", "password")),
                new Tls(JobDefinition.fromSchemaName(TlsMode.class, tls.getString("mode", "verify-identity")),
                        text(tls, "ca")),
                s.getString("stagingFormat", "avro"), s.getInt("maxConnections", Math.max(DEFAULT_MAX_CONNECTIONS,
                        tables.stream().mapToInt(Table::mappers).max().orElse(1))), tables);

        JsonObject c = object(d, "cluster");
        JsonObject core = object(c, "core");
        List<BootstrapAction> bootstrap = new ArrayList<>();
        for (JsonObject b : objects(c, "bootstrapActions")) {
            bootstrap.add(new BootstrapAction(b.getString("name"), b.getString("path"), strings(b, "args")));
        }
        Map<String, String> tags = new LinkedHashMap<>();
        object(c, "tags").forEach((key, value) -> tags.put(key, ((JsonString) value).getString()));
        List<Map<String, Object>> configurations = new ArrayList<>();
        for (JsonObject conf : objects(c, "configurations")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> plain = (Map<String, Object>) JsonDocuments.plain(conf);
            configurations.add(plain);
        }
        Cluster cluster = new Cluster(c.getString("releaseLabel"),
                new InstanceGroup(strings(object(c, "master"), "instanceTypes")),
                new CoreInstances(strings(core, "instanceTypes"), core.getInt("count"),
                        CoreInstances.Market.valueOf(core.getString("market", "ON_DEMAND")), core.getInt("spotTimeoutMinutes", 20)),
                c.getInt("maxInstances", 10), c.getInt("idleTimeoutSeconds", 3600),
                strings(c, "subnetIds"), text(c, "securityConfiguration"), text(c, "logUri"),
                // Kept in a cache across launches: nothing of a definition may change after parsing.
                Collections.unmodifiableMap(tags), List.copyOf(configurations), List.copyOf(bootstrap));

        List<SparkStep> extra = new ArrayList<>();
        for (JsonObject e : objects(d, "extraSparkSteps")) {
            extra.add(new SparkStep(e.getString("name"), e.getString("mainClass"), e.getString("jar"),
                    strings(e, "args")));
        }
        JsonObject sc = d.getJsonObject("schedule");
        Schedule schedule = sc == null ? null : new Schedule(sc.getString("expression"), sc.getString("timezone", "UTC"),
                sc.getBoolean("enabled", true),
                sc.containsKey("flexibleWindowMinutes") ? sc.getInt("flexibleWindowMinutes") : null);
        return new JobDefinition(job, version, JobDefinition.fromSchemaName(Importer.class,
                d.getString("importer", "sqoop")), source, target, cluster, extra, schedule,
                d.containsKey("freshness") ? new Freshness(d.getJsonObject("freshness").getInt("maxAgeMinutes"), false)
                        : null);
    }

    /** An Iceberg job's table: its own {@code target}'s fields, else the table named after it in the job's mode. */
    private static TableTarget tableTarget(Target job, JsonObject table) {
        JsonObject own = object(table, "target");
        String name = text(own, "table");
        TableMode mode = own.containsKey("mode") ? JobDefinition.fromSchemaName(TableMode.class, own.getString("mode"))
                : job.mode();
        // A merge key in append mode is rejected by targetProblems; the definition never carries one.
        return new TableTarget(job.database(), name != null ? name : tableName(table.getString("name")), mode,
                mode == TableMode.MERGE ? List.copyOf(strings(own, "mergeKey")) : List.of());
    }

    /** A source table's name as an Iceberg table's: lower case, anything outside {@code [a-z0-9_]} as '_'. */
    static String tableName(String sourceTable) {
        return sourceTable.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    /**
     * The target rules that need the merged document, not the definition: which fields were given. A parquet job's
     * definition drops Iceberg's fields; with {@code append} it drops a table's {@code mergeKey}.
     */
    private static List<String> targetProblems(JsonObject d) {
        List<String> problems = new ArrayList<>();
        JsonObject target = object(d, "target");
        boolean iceberg = "iceberg".equals(target.getString("format", "parquet"));
        List<JsonObject> tables = objects(object(d, "source"), "tables");
        if (iceberg) {
            if (!target.containsKey("database")) {
                problems.add("target.database: is required with target.format 'iceberg'");
            }
            String jobMode = target.getString("mode", "merge");
            for (int i = 0; i < tables.size(); i++) {
                JsonObject own = object(tables.get(i), "target");
                if (own.containsKey("mergeKey") && !"merge".equals(own.getString("mode", jobMode))) {
                    problems.add("source.tables[" + i + "].target.mergeKey: only with mode 'merge'");
                }
            }
        } else {
            for (String field : List.of("database", "mode")) {
                if (target.containsKey(field)) {
                    problems.add("target." + field + ": only with target.format 'iceberg'");
                }
            }
            for (int i = 0; i < tables.size(); i++) {
                if (tables.get(i).containsKey("target")) {
                    problems.add("source.tables[" + i + "].target: only with target.format 'iceberg'");
                }
            }
        }
        return problems;
    }

    /** The declared freshness; else twice the enabled schedule's longest gap, in whole minutes rounded up. */
    static Freshness freshness(Freshness declared, Schedule schedule) {
        if (declared != null) {
            return declared;
        }
        // A paused job is not stale. An invalid schedule has no gap: ruleProblems rejects the definition.
        if (schedule == null || !schedule.enabled()
                || ScheduleExpressions.expressionProblem(schedule.expression()).isPresent()
                || ScheduleExpressions.timezoneProblem(schedule.timezone()).isPresent()) {
            return null;
        }
        Duration maxAge = ScheduleExpressions.longestGap(schedule.expression(), schedule.timezone()).multipliedBy(2);
        // Firings and zone offsets are whole seconds; at most twice the 400-day horizon, the minutes fit an int.
        return new Freshness(Math.toIntExact((maxAge.toSeconds() + 59) / 60), true);
    }

    private List<String> ruleProblems(JobDefinition d) {
        List<String> problems = new ArrayList<>();
        problems.addAll(sourceProblems(d.source()));
        Set<String> seen = new HashSet<>();
        List<Table> tables = d.source().tables();
        for (int i = 0; i < tables.size(); i++) {
            if (!seen.add(tables.get(i).name().toLowerCase(Locale.ROOT))) {
                problems.add("source.tables[" + i + "].name: table '" + tables.get(i).name() + "' is listed twice");
            }
            Table table = tables.get(i);
            if (table.mappers() > d.source().maxConnections()) {
                problems.add("source.tables[" + i + "].mappers: " + table.mappers() + " parallel reads exceed"
                        + " source.maxConnections (" + d.source().maxConnections() + "), the run's bound on database"
                        + " connections");
            }
            if (table.incremental() != null && !table.columns().isEmpty()
                    && table.columns().stream().noneMatch(col -> col.equalsIgnoreCase(table.incremental().column()))) {
                problems.add("source.tables[" + i + "].incremental.column: '" + table.incremental().column()
                        + "' must be one of the table's columns");
            }
        }
        Map<String, Integer> targetTables = new LinkedHashMap<>();
        for (int i = 0; i < tables.size(); i++) {
            TableTarget target = tables.get(i).target();
            if (target == null) {
                continue;
            }
            Integer first = targetTables.putIfAbsent(target.table(), i);
            if (first != null) {
                problems.add("source.tables[" + i + "].target.table: '" + target.table() + "' is also the table of "
                        + "source.tables[" + first + "]");
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
            } else if (d.importer() == Importer.SQOOP && compare(release, LAST_SQOOP_RELEASE) > 0) {
                problems.add("cluster.releaseLabel: importer 'sqoop' needs emr-7.4.0 or earlier ("
                        + c.releaseLabel() + " ships no Sqoop; use importer 'spark-jdbc')");
            }
        }
        if (d.target().iceberg() && IcebergReleases.icebergVersion(c.releaseLabel()).isEmpty()) {
            problems.add("cluster.releaseLabel: target.format 'iceberg' needs a release whose Iceberg emr-ingest knows ("
                    + IcebergReleases.range() + "), not " + c.releaseLabel());
        }
        if (d.schedule() != null) {
            ScheduleExpressions.expressionProblem(d.schedule().expression())
                    .ifPresent(p -> problems.add(InputErrors.printable("schedule.expression: " + p, 512)));
            ScheduleExpressions.timezoneProblem(d.schedule().timezone())
                    .ifPresent(p -> problems.add("schedule.timezone: " + p));
        }
        return problems;
    }

    /** Where the password, the user and the server come from, and the URL's own options. */
    private List<String> sourceProblems(Source source) {
        List<String> problems = new ArrayList<>();
        if (source.passwordParameter() != null && source.secret() != null) {
            problems.add("source.secret: give either source.passwordParameter or source.secret, not both");
        } else if (source.passwordParameter() == null && source.secret() == null) {
            problems.add("source.passwordParameter: is required, unless source.secret names a Secrets Manager secret");
        } else if (source.passwordParameter() != null && !source.passwordParameter().startsWith(secretsPrefix)) {
            problems.add("source.passwordParameter: must name a SecureString under " + secretsPrefix
                    + " (the only path the cluster role may read)");
        }
        if (source.secret() == null) {
            if (source.jdbcUrl() == null) {
                problems.add("source.jdbcUrl: is required, unless source.secret holds host and dbname");
            }
            if (source.username() == null) {
                problems.add("source.username: is required, unless source.secret holds username");
            }
        }
        if (source.jdbcUrl() != null) {
            jdbcOptionProblem(source.jdbcUrl()).ifPresent(problems::add);
        }
        if (source.tls().ca() != null && !source.tls().verifies()) {
            problems.add("source.tls.ca: only with source.tls.mode verify-identity or verify-ca (mode '"
                    + source.tls().mode().json() + "' checks no certificate)");
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
            if (TLS_JDBC_OPTIONS.contains(decoded.toLowerCase(Locale.ROOT))) {
                return Optional.of("source.jdbcUrl: option '" + InputErrors.printable(decoded)
                        + "' is not allowed (source.tls decides TLS: its mode and its CA)");
            }
            if (FORBIDDEN_JDBC_OPTIONS.contains(decoded.toLowerCase(Locale.ROOT))) {
                return Optional.of("source.jdbcUrl: option '" + InputErrors.printable(decoded)
                        + "' is not allowed (credentials belong in source.passwordParameter or source.secret; local-file and "
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

    private static JsonObject object(JsonObject parent, String field) {
        JsonObject value = parent.getJsonObject(field);
        return value == null ? JsonValue.EMPTY_JSON_OBJECT : value;
    }

    private static List<JsonObject> objects(JsonObject parent, String field) {
        JsonArray array = parent.getJsonArray(field);
        return array == null ? List.of() : array.getValuesAs(JsonObject.class);
    }

    private static String text(JsonObject node, String field) {
        return node.get(field) instanceof JsonString value ? value.getString() : null;
    }

    private static List<String> strings(JsonObject parent, String field) {
        JsonArray array = parent.getJsonArray(field);
        return array == null ? List.of() : array.getValuesAs(JsonString::getString);
    }
}
