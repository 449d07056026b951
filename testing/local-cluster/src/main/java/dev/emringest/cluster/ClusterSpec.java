package dev.emringest.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.Command;
import software.amazon.awssdk.services.emr.model.Configuration;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.StepSummary;

/**
 * The cluster a RunJobFlow request describes: what this machine runs of it.
 *
 * @param sparkDefaults the properties of its {@code spark-defaults} configurations, in order (a later one wins)
 */
public record ClusterSpec(String name, List<Action> bootstrapActions, List<Step> steps,
                          Map<String, String> sparkDefaults) {

    private static final String SPARK_DEFAULTS = "spark-defaults";

    /** A bootstrap action: the script ({@code s3://}) and its arguments. */
    public record Action(String name, String path, List<String> args) {
        public Action {
            args = List.copyOf(args);
        }
    }

    /**
     * A step: {@code jar} is {@code command-runner.jar} or script-runner's jar (its {@code args[0]} the script).
     *
     * @param actionOnFailure as EMR spells it ({@code TERMINATE_CLUSTER}, {@code CANCEL_AND_WAIT}, {@code CONTINUE}...)
     */
    public record Step(String name, String jar, List<String> args, String actionOnFailure) {
        public Step {
            args = List.copyOf(args);
        }
    }

    public ClusterSpec {
        bootstrapActions = List.copyOf(bootstrapActions);
        steps = List.copyOf(steps);
        sparkDefaults = Collections.unmodifiableMap(new LinkedHashMap<>(sparkDefaults));
    }

    /** The cluster as the request asks for it; spark-defaults from its configurations. */
    public static ClusterSpec of(RunJobFlowRequest request) {
        List<Action> actions = request.bootstrapActions().stream().map(a -> new Action(a.name(),
                a.scriptBootstrapAction().path(), a.scriptBootstrapAction().args())).toList();
        List<Step> steps = request.steps().stream().map(s -> new Step(s.name(), s.hadoopJarStep().jar(),
                s.hadoopJarStep().args(), s.actionOnFailureAsString())).toList();
        return new ClusterSpec(request.name(), actions, steps, sparkDefaults(request.configurations()));
    }

    /**
     * The cluster as EMR (moto server) reports it: DescribeCluster (name, configurations), ListBootstrapActions and
     * ListSteps (reversed: EMR answers newest first).
     */
    public static ClusterSpec of(EmrClient emr, String clusterId) {
        Cluster cluster = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        List<Action> actions = new ArrayList<>();
        for (Command c : emr.listBootstrapActionsPaginator(r -> r.clusterId(clusterId)).bootstrapActions()) {
            actions.add(new Action(c.name(), c.scriptPath(), c.args()));
        }
        List<Step> steps = new ArrayList<>();
        for (StepSummary s : emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps()) {
            steps.add(new Step(s.name(), s.config().jar(), s.config().args(), s.actionOnFailureAsString()));
        }
        Collections.reverse(steps);
        return new ClusterSpec(cluster.name(), actions, steps, sparkDefaults(cluster.configurations()));
    }

    private static Map<String, String> sparkDefaults(List<Configuration> configurations) {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Configuration c : configurations) {
            if (SPARK_DEFAULTS.equals(c.classification())) {
                defaults.putAll(c.properties());
            }
        }
        return defaults;
    }
}
