package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinition.Cluster;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunWindow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import software.amazon.awssdk.services.emr.model.Tag;

/**
 * Builds the {@code RunJobFlowRequest} for one run: a pure function of the job definition, the run, the stack's
 * settings and the published assets. This class shapes the cluster (applications, instances, bootstrap actions,
 * tags); {@link ImportSteps} adds the steps. The cluster ends when the last step does, or at the first failure.
 */
public final class ClusterRequestBuilder {

    private ClusterRequestBuilder() {}

    public static RunJobFlowRequest build(JobDefinition definition, RunIdentity run, LauncherSettings settings,
                                          ClusterAssets.Published assets) {
        return build(definition, run, null, settings, assets);
    }

    /**
     * @param claimedAt when the run was first claimed (the ledger record's {@code createdAt}): its UTC date is the
     *                  run's {@code ingest_date}, the same for every retry of the run, also after midnight; null lets
     *                  the Spark job take the date it runs on
     */
    public static RunJobFlowRequest build(JobDefinition definition, RunIdentity run, Instant claimedAt,
                                          LauncherSettings settings, ClusterAssets.Published assets) {
        return build(definition, run, claimedAt, null, settings, assets);
    }

    /** @param window the run's recorded window (incremental jobs), null for a job imported whole */
    public static RunJobFlowRequest build(JobDefinition definition, RunIdentity run, Instant claimedAt, RunWindow window,
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
                .configurations(IcebergCluster.configurations(definition,
                        cluster.configurations().stream().map(ClusterRequestBuilder::configuration).toList()))
                .bootstrapActions(bootstrapActions(definition, assets))
                .steps(ImportSteps.steps(definition, run, claimedAt, window, settings, assets))
                .tags(tags(cluster, run))
                .build();
    }

    private static List<Application> applications(JobDefinition definition) {
        return definition.importer() == JobDefinition.Importer.SPARK_JDBC
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

    private static List<BootstrapActionConfig> bootstrapActions(JobDefinition definition,
                                                                ClusterAssets.Published assets) {
        List<BootstrapActionConfig> actions = new ArrayList<>();
        actions.add(BootstrapActionConfig.builder().name("install MySQL Connector/J")
                .scriptBootstrapAction(s -> s.path(assets.bootstrapScript()).args(assets.mysqlDriver())).build());
        JobDefinition.Tls tls = definition.source().tls();
        if (tls.verifies()) {
            // Every node: Sqoop's mappers and Spark's executors connect from the core nodes too.
            String ca = tls.ca() != null ? tls.ca() : assets.rdsCaBundle();
            actions.add(BootstrapActionConfig.builder().name("install the database's CA trust store")
                    .scriptBootstrapAction(s -> s.path(assets.trustStoreScript()).args(ca, assets.sparkJob())).build());
        }
        Cluster cluster = definition.cluster();
        for (JobDefinition.BootstrapAction extra : cluster.bootstrapActions()) {
            actions.add(BootstrapActionConfig.builder().name(extra.name())
                    .scriptBootstrapAction(s -> s.path(extra.path()).args(extra.args())).build());
        }
        return actions;
    }

    private static List<Tag> tags(Cluster cluster, RunIdentity run) {
        List<Tag> tags = new ArrayList<>();
        cluster.tags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        run.tags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        // AmazonEMRServicePolicy_v2 acts only on resources carrying this tag.
        tags.add(Tag.builder().key("for-use-with-amazon-emr-managed-policies").value("true").build());
        return tags;
    }
}
