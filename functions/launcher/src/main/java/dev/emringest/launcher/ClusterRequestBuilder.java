package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.ledger.RunWindow;
import dev.emringest.jobs.JobDefinition.Cluster;
import dev.emringest.jobs.JobDefinition.Table;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.emr.model.ActionOnFailure;
import software.amazon.awssdk.services.emr.model.Application;
import software.amazon.awssdk.services.emr.model.BootstrapActionConfig;
import software.amazon.awssdk.services.emr.model.Configuration;
import software.amazon.awssdk.services.emr.model.InstanceFleetConfig;
import software.amazon.awssdk.services.emr.model.InstanceFleetType;
import software.amazon.awssdk.services.emr.model.InstanceGroupConfig;
import software.amazon.awssdk.services.emr.model.InstanceRoleType;
import software.amazon.awssdk.services.emr.model.InstanceTypeConfig;
import software.amazon.awssdk.services.emr.model.JobFlowInstancesConfig;
import software.amazon.awssdk.services.emr.model.MarketType;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.SpotProvisioningAllocationStrategy;
import software.amazon.awssdk.services.emr.model.SpotProvisioningTimeoutAction;
import software.amazon.awssdk.services.emr.model.StepConfig;
import software.amazon.awssdk.services.emr.model.Tag;

/**
 * Builds the {@code RunJobFlowRequest} for one run: a pure function of the job definition, the run, the stack's
 * settings and the published assets. Per table, with {@code importer: sqoop} one Sqoop import step then one Spark
 * step; with {@code importer: spark-jdbc} one step that reads the table over JDBC with Spark and writes the target.
 * The cluster ends when the last step does, or at the first failure.
 */
public final class ClusterRequestBuilder {

    public static final String TAG_JOB = "emr-ingest:job";
    public static final String TAG_RUN_KEY = "emr-ingest:run-key";
    public static final String TAG_STACK = "emr-ingest:stack";
    public static final String SPARK_MAIN_CLASS = "dev.emringest.spark.IngestJob";
    public static final String IMPORTER_SQOOP = "sqoop";
    public static final String IMPORTER_SPARK_JDBC = "spark-jdbc";
    static final String STAGING_ROOT = "hdfs:///emr-ingest/staging/";

    private ClusterRequestBuilder() {}

    /** The run's identity as EMR sees it; a retry of the same run computes the same name. */
    public record Run(String job, String runKey, String clusterName, String runId) {
        public static Run of(String stack, String job, String runKey) {
            String runId = ClusterRequestBuilder.runId(job, runKey);
            return new Run(job, runKey, stack + "-" + job + "-" + runId, runId);
        }
    }

    /** Short, alphanumeric hash of (job, run key): safe in cluster names and Kite-friendly in paths. */
    static String runId(String job, String runKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((job + "\n" + runKey).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RunJobFlowRequest build(JobDefinition definition, Run run, LauncherSettings settings,
                                          ClusterAssets.Published assets) {
        return build(definition, run, null, settings, assets);
    }

    /**
     * @param claimedAt when the run was first claimed (the ledger record's {@code createdAt}): its UTC date is the
     *                  run's {@code ingest_date}, the same for every retry of the run, also after midnight; null lets
     *                  the Spark job take the date it runs on
     */
    public static RunJobFlowRequest build(JobDefinition definition, Run run, Instant claimedAt,
                                          LauncherSettings settings, ClusterAssets.Published assets) {
        return build(definition, run, claimedAt, null, settings, assets);
    }

    /** @param window the run's recorded window (incremental jobs), null for a job imported whole */
    public static RunJobFlowRequest build(JobDefinition definition, Run run, Instant claimedAt, RunWindow window,
                                          LauncherSettings settings, ClusterAssets.Published assets) {
        Cluster cluster = definition.cluster();
        String securityConfiguration = cluster.securityConfiguration() != null
                ? cluster.securityConfiguration() : settings.securityConfiguration();
        return RunJobFlowRequest.builder()
                .name(run.clusterName())
                .logUri(cluster.logUri() != null ? cluster.logUri()
                        : "s3://" + settings.clusterBucket() + "/logs/" + definition.job() + "/")
                .releaseLabel(cluster.releaseLabel())
                .applications(applications(definition))
                .instances(instances(cluster, settings))
                .serviceRole(settings.serviceRole())
                .jobFlowRole(settings.instanceProfile())
                .securityConfiguration(securityConfiguration)
                .visibleToAllUsers(true)
                .autoTerminationPolicy(p -> p.idleTimeout((long) cluster.idleTimeoutSeconds()))
                .stepConcurrencyLevel(1)
                .configurations(cluster.configurations().stream().map(ClusterRequestBuilder::configuration).toList())
                .bootstrapActions(bootstrapActions(cluster, assets))
                .steps(steps(definition, run, claimedAt, window, settings, assets))
                .tags(tags(cluster, run, settings))
                .build();
    }

    private static List<Application> applications(JobDefinition definition) {
        return IMPORTER_SPARK_JDBC.equals(definition.importer())
                ? List.of(app("Hadoop"), app("Spark"))
                : List.of(app("Hadoop"), app("Sqoop"), app("Spark"));
    }

    private static Application app(String name) {
        return Application.builder().name(name).build();
    }

    private static JobFlowInstancesConfig instances(Cluster cluster, LauncherSettings settings) {
        List<String> subnets = cluster.subnetIds().isEmpty() ? settings.subnetIds() : cluster.subnetIds();
        JobFlowInstancesConfig.Builder instances = JobFlowInstancesConfig.builder()
                .keepJobFlowAliveWhenNoSteps(false)
                .terminationProtected(false);
        boolean fleets = cluster.core().spot() || cluster.core().instanceTypes().size() > 1
                || cluster.master().instanceTypes().size() > 1;
        if (!fleets) {
            if (!subnets.isEmpty()) {
                instances.ec2SubnetId(subnets.get(0));
            }
            return instances.instanceGroups(
                    InstanceGroupConfig.builder().name("master").instanceRole(InstanceRoleType.MASTER)
                            .market(MarketType.ON_DEMAND).instanceType(cluster.master().instanceTypes().get(0))
                            .instanceCount(1).build(),
                    InstanceGroupConfig.builder().name("core").instanceRole(InstanceRoleType.CORE)
                            .market(MarketType.ON_DEMAND).instanceType(cluster.core().instanceTypes().get(0))
                            .instanceCount(cluster.core().count()).build())
                    .build();
        }
        // Fleets let EMR pick the subnet with capacity and fall back from Spot to On-Demand.
        if (!subnets.isEmpty()) {
            instances.ec2SubnetIds(subnets);
        }
        InstanceFleetConfig.Builder core = InstanceFleetConfig.builder().name("core")
                .instanceFleetType(InstanceFleetType.CORE)
                .instanceTypeConfigs(typeConfigs(cluster.core().instanceTypes()));
        if (cluster.core().spot()) {
            core.targetSpotCapacity(cluster.core().count()).targetOnDemandCapacity(0)
                    .launchSpecifications(l -> l.spotSpecification(s -> s
                            .timeoutDurationMinutes(cluster.core().spotTimeoutMinutes())
                            .timeoutAction(SpotProvisioningTimeoutAction.SWITCH_TO_ON_DEMAND)
                            .allocationStrategy(SpotProvisioningAllocationStrategy.PRICE_CAPACITY_OPTIMIZED)));
        } else {
            core.targetOnDemandCapacity(cluster.core().count());
        }
        return instances.instanceFleets(
                InstanceFleetConfig.builder().name("master").instanceFleetType(InstanceFleetType.MASTER)
                        .targetOnDemandCapacity(1).instanceTypeConfigs(typeConfigs(cluster.master().instanceTypes()))
                        .build(),
                core.build())
                .build();
    }

    private static List<InstanceTypeConfig> typeConfigs(List<String> types) {
        return types.stream().map(t -> InstanceTypeConfig.builder().instanceType(t).weightedCapacity(1).build())
                .toList();
    }

    @SuppressWarnings("unchecked")
    private static Configuration configuration(Map<String, Object> conf) {
        Configuration.Builder builder = Configuration.builder().classification((String) conf.get("Classification"));
        if (conf.get("Properties") instanceof Map<?, ?> properties) {
            builder.properties((Map<String, String>) properties);
        }
        if (conf.get("Configurations") instanceof List<?> nested) {
            builder.configurations(nested.stream().map(n -> configuration((Map<String, Object>) n)).toList());
        }
        return builder.build();
    }

    private static List<BootstrapActionConfig> bootstrapActions(Cluster cluster, ClusterAssets.Published assets) {
        List<BootstrapActionConfig> actions = new ArrayList<>();
        actions.add(BootstrapActionConfig.builder().name("install MySQL Connector/J")
                .scriptBootstrapAction(s -> s.path(assets.bootstrapScript()).args(assets.mysqlDriver())).build());
        for (JobDefinition.BootstrapAction extra : cluster.bootstrapActions()) {
            actions.add(BootstrapActionConfig.builder().name(extra.name())
                    .scriptBootstrapAction(s -> s.path(extra.path()).args(extra.args())).build());
        }
        return actions;
    }

    static String stagingDir(Run run, Table table) {
        return STAGING_ROOT + run.runId() + "/" + table.name().toLowerCase(Locale.ROOT);
    }

    private static String scriptRunner(LauncherSettings settings) {
        return "s3://" + settings.region() + ".elasticmapreduce/libs/script-runner/script-runner.jar";
    }

    private static List<StepConfig> steps(JobDefinition definition, Run run, Instant claimedAt, RunWindow window,
                                          LauncherSettings settings, ClusterAssets.Published assets) {
        List<StepConfig> steps = new ArrayList<>();
        for (Table table : definition.source().tables()) {
            if (IMPORTER_SPARK_JDBC.equals(definition.importer())) {
                steps.add(sparkJdbcStep(definition, table, run, claimedAt, window, settings, assets));
            } else {
                steps.addAll(sqoopSteps(definition, table, run, claimedAt, window, settings, assets));
            }
        }
        for (JobDefinition.SparkStep extra : definition.extraSparkSteps()) {
            List<String> args = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster",
                    "--class", extra.mainClass(), extra.jar()));
            args.addAll(extra.args());
            steps.add(step(extra.name(), "command-runner.jar", args));
        }
        return steps;
    }

    /** Where the Spark job writes this table's {@code _manifest.json} in this run (see IngestJob). */
    static String manifest(JobDefinition definition, Table table, Run run, Instant claimedAt) {
        return output(definition, table) + "/ingest_date=" + LocalDate.ofInstant(claimedAt, ZoneOffset.UTC)
                + "/_run_id=" + run.runId() + "/_manifest.json";
    }

    /**
     * The window as step options: typed values formatted here (ISO-8601 instants, decimal integers), which the step
     * scripts validate again and turn into the import's predicate themselves.
     */
    static List<String> windowArgs(RunWindow window, Table table) {
        RunWindow.TableWindow w = window == null ? null : window.tables().get(table.name());
        if (w == null) {
            return List.of();
        }
        List<String> args = new ArrayList<>(List.of("--where-column", w.column()));
        if ("append".equals(w.mode())) {
            if (w.above() != null) {
                args.addAll(List.of("--above-key", Long.toString(w.above())));
            }
            if (w.upTo() != null) {
                args.addAll(List.of("--up-to-key", Long.toString(w.upTo())));
            }
        } else {
            if (w.from() != null) {
                args.addAll(List.of("--lower-bound", w.from().toString()));
            }
            args.addAll(List.of("--upper-bound", w.to().toString()));
        }
        return args;
    }

    /** For append tables the Spark job reports the highest key it read in the manifest. */
    private static List<String> maxKeyArgs(RunWindow window, Table table) {
        RunWindow.TableWindow w = window == null ? null : window.tables().get(table.name());
        return w != null && "append".equals(w.mode()) ? List.of("--max-key-column", w.column()) : List.of();
    }

    private static String output(JobDefinition definition, Table table) {
        return definition.target().s3Uri().replaceAll("/+$", "") + "/" + table.name().toLowerCase(Locale.ROOT);
    }

    /** The run's own options and the table's transform, as the Spark job takes them (after its source options). */
    private static List<String> runAndTransformArgs(Table table, Run run, Instant claimedAt) {
        List<String> args = new ArrayList<>(List.of("--run-key", run.runKey(), "--run-id", run.runId(),
                "--table", table.name()));
        if (claimedAt != null) {
            args.addAll(List.of("--ingest-date", LocalDate.ofInstant(claimedAt, ZoneOffset.UTC).toString()));
        }
        if (table.transform() != null && !table.transform().columns().isEmpty()) {
            args.addAll(List.of("--columns", String.join(",", table.transform().columns())));
        }
        if (table.transform() != null && table.transform().sql() != null) {
            args.addAll(List.of("--sql", table.transform().sql()));
        }
        return args;
    }

    private static List<StepConfig> sqoopSteps(JobDefinition definition, Table table, Run run, Instant claimedAt,
                                               RunWindow window,
                                               LauncherSettings settings, ClusterAssets.Published assets) {
        String format = definition.source().stagingFormat();
        String staging = stagingDir(run, table);
        List<String> sqoop = new ArrayList<>(List.of(assets.sqoopStep(),
                "--jdbc-url", definition.source().jdbcUrl(),
                "--username", definition.source().username(),
                "--password-parameter", definition.source().passwordParameter(),
                "--table", table.name(),
                "--target-dir", staging,
                "--format", format,
                "--num-mappers", String.valueOf(table.mappers()),
                // the spark-job jar also carries StoreCredential, which puts the password in a jceks store
                "--tools-jar", assets.sparkJob(),
                "--region", settings.region()));
        if (table.splitBy() != null) {
            sqoop.addAll(List.of("--split-by", table.splitBy()));
        }
        if (!table.columns().isEmpty()) {
            sqoop.addAll(List.of("--columns", String.join(",", table.columns())));
        }
        sqoop.addAll(windowArgs(window, table));
        List<String> spark = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster",
                "--class", SPARK_MAIN_CLASS, assets.sparkJob(),
                "--input", staging,
                "--input-format", format,
                "--output", output(definition, table)));
        spark.addAll(runAndTransformArgs(table, run, claimedAt));
        spark.addAll(maxKeyArgs(window, table));
        return List.of(step("sqoop-import " + table.name(), scriptRunner(settings), sqoop),
                step("spark-load " + table.name(), "command-runner.jar", spark));
    }

    /**
     * {@code spark-jdbc-import.sh}: stores the password from SSM in a jceks store on the master, then runs the Spark
     * job in client mode, which reads the table over JDBC ({@code splitBy} as partition column, {@code mappers}
     * partitions) and writes the target as the staged path does.
     */
    private static StepConfig sparkJdbcStep(JobDefinition definition, Table table, Run run, Instant claimedAt,
                                            RunWindow window,
                                            LauncherSettings settings, ClusterAssets.Published assets) {
        List<String> args = new ArrayList<>(List.of(assets.sparkJdbcStep(),
                "--jdbc-url", definition.source().jdbcUrl(),
                "--username", definition.source().username(),
                "--password-parameter", definition.source().passwordParameter(),
                "--job-jar", assets.sparkJob(),
                "--region", settings.region(),
                "--output", output(definition, table)));
        if (table.splitBy() != null) {
            args.addAll(List.of("--split-by", table.splitBy(), "--num-partitions", String.valueOf(table.mappers())));
        }
        if (!table.columns().isEmpty()) {
            args.addAll(List.of("--source-columns", String.join(",", table.columns())));
        }
        args.addAll(windowArgs(window, table));
        args.addAll(runAndTransformArgs(table, run, claimedAt));
        args.addAll(maxKeyArgs(window, table));
        return step("spark-jdbc-import " + table.name(), scriptRunner(settings), args);
    }

    private static StepConfig step(String name, String jar, List<String> args) {
        return StepConfig.builder().name(name).actionOnFailure(ActionOnFailure.TERMINATE_CLUSTER)
                .hadoopJarStep(h -> h.jar(jar).args(args)).build();
    }

    private static List<Tag> tags(Cluster cluster, Run run, LauncherSettings settings) {
        List<Tag> tags = new ArrayList<>();
        cluster.tags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        tags.add(Tag.builder().key(TAG_JOB).value(run.job()).build());
        tags.add(Tag.builder().key(TAG_RUN_KEY).value(run.runKey()).build());
        tags.add(Tag.builder().key(TAG_STACK).value(settings.stackName()).build());
        // AmazonEMRServicePolicy_v2 acts only on resources carrying this tag.
        tags.add(Tag.builder().key("for-use-with-amazon-emr-managed-policies").value("true").build());
        return tags;
    }
}
