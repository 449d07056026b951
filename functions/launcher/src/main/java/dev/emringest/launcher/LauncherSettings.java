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
 */
public record LauncherSettings(String stackName, String region, String parameterPrefix, String ledgerBucket,
                               String clusterBucket, String serviceRole, String instanceProfile,
                               List<String> subnetIds, String securityConfiguration, List<String> glueDatabases) {

    /**
     * A definition this stack can run: an Iceberg target's database must be one its clusters may use, or the run
     * would fail on the cluster, after its import, on AccessDenied.
     *
     * @throws JobDefinitionException naming {@code target.database}
     */
    public void requireRunnable(JobDefinition definition) {
        String database = definition.target().database();
        if (definition.target().iceberg() && !glueDatabases.contains(database)) {
            throw new JobDefinitionException(definition.job(), List.of("target.database: '" + database
                    + "' is not one of this stack's Glue databases (parameter GlueDatabases: "
                    + (glueDatabases.isEmpty() ? "none" : String.join(", ", glueDatabases)) + ")"));
        }
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
                subnets, securityConfiguration.isEmpty() ? null : securityConfiguration, list(env, "GLUE_DATABASES"));
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
