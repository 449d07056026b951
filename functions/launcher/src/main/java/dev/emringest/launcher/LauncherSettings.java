package dev.emringest.launcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the stack hands the launcher through its environment (see template.yaml). */
public record LauncherSettings(String stackName, String region, String parameterPrefix, String ledgerBucket,
                               String clusterBucket, String serviceRole, String instanceProfile,
                               List<String> subnetIds, String securityConfiguration) {

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
        List<String> subnets = Arrays.stream(env.getOrDefault("SUBNET_IDS", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList();
        String securityConfiguration = env.getOrDefault("SECURITY_CONFIGURATION", "").trim();
        return new LauncherSettings(stack, region, prefix.replaceAll("/+$", ""), ledger, cluster, serviceRole, profile,
                subnets, securityConfiguration.isEmpty() ? null : securityConfiguration);
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
