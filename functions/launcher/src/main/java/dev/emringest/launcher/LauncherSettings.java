package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the stack hands the launcher through its environment (see template.yaml).
 *
 * @param glueDatabases the Glue databases the stack's clusters may write Iceberg tables to ({@code GlueDatabases})
 * @param sourceSecretPrefixes the name prefixes of the Secrets Manager secrets the stack's clusters may read
 *     ({@code SourceSecretPrefixes})
 */
public record LauncherSettings(String stackName, String region, String parameterPrefix, String ledgerBucket,
                               String clusterBucket, String serviceRole, String instanceProfile,
                               List<String> subnetIds, String securityConfiguration, List<String> glueDatabases,
                               List<String> sourceSecretPrefixes) {

    /**
     * A definition this stack can run: an Iceberg target's database and the source's secret must be ones its clusters
     * may use, or the run would fail on the cluster on AccessDenied (the secret's at once, the database's after the
     * import).
     *
     * @throws JobDefinitionException naming {@code target.database} or {@code source.secret.id}
     */
    public void requireRunnable(JobDefinition definition) {
        List<String> problems = new ArrayList<>();
        String database = definition.target().database();
        if (definition.target().iceberg() && !glueDatabases.contains(database)) {
            problems.add("target.database: '" + database + "' is not one of this stack's Glue databases (parameter"
                    + " GlueDatabases: " + (glueDatabases.isEmpty() ? "none" : String.join(", ", glueDatabases)) + ")");
        }
        JobDefinition.Secret secret = definition.source().secret();
        if (secret != null && sourceSecretPrefixes.stream().noneMatch(secretName(secret.id())::startsWith)) {
            problems.add("source.secret.id: '" + secret.id() + "' is not under one of the secret name prefixes this"
                    + " stack's clusters may read (parameter SourceSecretPrefixes: " + (sourceSecretPrefixes.isEmpty()
                    ? "none" : String.join(", ", sourceSecretPrefixes)) + ")");
        }
        if (!problems.isEmpty()) {
            throw new JobDefinitionException(definition.job(), problems);
        }
    }

    /** A secret's name: an ARN's resource after {@code secret:} (the name with its random suffix), else the id. */
    static String secretName(String id) {
        int at = id.indexOf(":secret:");
        return id.startsWith("arn:") && at >= 0 ? id.substring(at + ":secret:".length()) : id;
    }

    public static LauncherSettings fromEnvironment(Map<String, String> env) {
        List<String> missing = new ArrayList<>();
        String stack = required(env, "STACK_NAME", missing);
        String region = env.getOrDefault("AWS_REGION", env.get("AWS_DEFAULT_REGION"));
        if (region == null || region.isBlank()) {
            missing.add("AWS_REGION");
        }
        String prefix = required(env, "JOB_PARAMETER_PREFIX", missing);
        String ledger = required(env, "LEDGER_BUCKET", missing);
        String cluster = required(env, "CLUSTER_BUCKET", missing);
        String serviceRole = required(env, "SERVICE_ROLE", missing);
        String profile = required(env, "INSTANCE_PROFILE", missing);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("launcher environment is missing " + String.join(", ", missing));
        }
        List<String> subnets = list(env, "SUBNET_IDS");
        String securityConfiguration = env.getOrDefault("SECURITY_CONFIGURATION", "").trim();
        return new LauncherSettings(stack, region, prefix.replaceAll("/+$", ""), ledger, cluster, serviceRole, profile,
                subnets, securityConfiguration.isEmpty() ? null : securityConfiguration, list(env, "GLUE_DATABASES"),
                list(env, "SOURCE_SECRET_PREFIXES"));
    }

    private static List<String> list(Map<String, String> env, String name) {
        return Arrays.stream(env.getOrDefault(name, "").split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toList();
    }

    private static String required(Map<String, String> env, String name, List<String> missing) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            missing.add(name);
            return null;
        }
        return value.trim();
    }
}
