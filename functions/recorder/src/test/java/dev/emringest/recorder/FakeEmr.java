package dev.emringest.recorder;

import dev.emringest.ledger.RunIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.emr.model.DescribeClusterRequest;
import software.amazon.awssdk.services.emr.model.DescribeClusterResponse;
import software.amazon.awssdk.services.emr.model.DescribeStepRequest;
import software.amazon.awssdk.services.emr.model.DescribeStepResponse;
import software.amazon.awssdk.services.emr.model.InvalidRequestException;
import software.amazon.awssdk.services.emr.model.ListClustersRequest;
import software.amazon.awssdk.services.emr.model.ListClustersResponse;
import software.amazon.awssdk.services.emr.model.ListStepsRequest;
import software.amazon.awssdk.services.emr.model.ListStepsResponse;
import software.amazon.awssdk.services.emr.model.Step;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.emr.model.Tag;

/**
 * EMR in memory for the fast tests: the clusters and steps a test gives it, answered through the SDK's own request
 * and answer types (the paginators included); an unknown cluster is EMR's InvalidRequestException. Counts calls.
 */
final class FakeEmr implements EmrClient {

    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    private final Map<String, List<StepSummary>> steps = new HashMap<>();
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    /** A cluster of {@code stack}'s run {@code job}/{@code runKey}, tagged and named as the launcher does. */
    FakeEmr cluster(String id, String stack, String job, String runKey, ClusterState state, String code,
                    String message, Instant created) {
        RunIdentity run = RunIdentity.of(stack, job, runKey);
        List<Tag> tags = new ArrayList<>();
        run.tags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        clusters.put(id, Cluster.builder().id(id).name(run.clusterName()).tags(tags)
                .status(s -> s.state(state).timeline(t -> t.creationDateTime(created))
                        .stateChangeReason(r -> r.code(code).message(message)))
                .build());
        return this;
    }

    /** The cluster's steps in submission order; ListSteps answers them newest first, as EMR does. */
    FakeEmr steps(String clusterId, StepSummary... inSubmissionOrder) {
        List<StepSummary> newestFirst = new ArrayList<>(List.of(inSubmissionOrder));
        Collections.reverse(newestFirst);
        steps.put(clusterId, newestFirst);
        return this;
    }

    static StepSummary step(String id, String name, String state) {
        return StepSummary.builder().id(id).name(name).status(s -> s.state(state)).build();
    }

    static StepSummary failedStep(String id, String name, String reason, String message, String logFile) {
        return StepSummary.builder().id(id).name(name).status(s -> s.state("FAILED")
                .failureDetails(f -> f.reason(reason).message(message).logFile(logFile))).build();
    }

    /** How many calls of {@code operation} (e.g. "DescribeCluster") about {@code clusterId} EMR received. */
    int calls(String operation, String clusterId) {
        return Collections.frequency(calls, operation + " " + clusterId);
    }

    int calls() {
        return calls.size();
    }

    @Override
    public DescribeClusterResponse describeCluster(DescribeClusterRequest request) {
        calls.add("DescribeCluster " + request.clusterId());
        return DescribeClusterResponse.builder().cluster(known(request.clusterId())).build();
    }

    @Override
    public ListStepsResponse listSteps(ListStepsRequest request) {
        calls.add("ListSteps " + request.clusterId());
        known(request.clusterId());
        return ListStepsResponse.builder().steps(steps.getOrDefault(request.clusterId(), List.of())).build();
    }

    @Override
    public DescribeStepResponse describeStep(DescribeStepRequest request) {
        calls.add("DescribeStep " + request.clusterId());
        known(request.clusterId());
        StepSummary s = steps.getOrDefault(request.clusterId(), List.of()).stream()
                .filter(step -> step.id().equals(request.stepId())).findFirst()
                .orElseThrow(() -> invalid("Step id '" + request.stepId() + "' is not valid."));
        return DescribeStepResponse.builder().step(Step.builder().id(s.id()).name(s.name()).status(s.status()).build())
                .build();
    }

    @Override
    public ListClustersResponse listClusters(ListClustersRequest request) {
        calls.add("ListClusters");
        List<ClusterSummary> found = new ArrayList<>();
        for (Cluster c : clusters.values()) {
            ClusterState state = c.status().state();
            Instant created = c.status().timeline().creationDateTime();
            if ((request.clusterStates().isEmpty() || request.clusterStates().contains(state))
                    && (request.createdAfter() == null || !created.isBefore(request.createdAfter()))) {
                found.add(ClusterSummary.builder().id(c.id()).name(c.name()).status(c.status()).build());
            }
        }
        Collections.reverse(found); // newest first
        return ListClustersResponse.builder().clusters(found).build();
    }

    private Cluster known(String clusterId) {
        Cluster cluster = clusters.get(clusterId);
        if (cluster == null) {
            throw invalid("Cluster id '" + clusterId + "' is not valid.");
        }
        return cluster;
    }

    private static InvalidRequestException invalid(String message) {
        return (InvalidRequestException) InvalidRequestException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InvalidRequestException").errorMessage(message)
                        .build())
                .build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
        // nothing to release
    }
}
