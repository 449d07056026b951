package dev.emringest.launcher;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.emr.model.ListClustersRequest;
import software.amazon.awssdk.services.emr.model.ListClustersResponse;
import software.amazon.awssdk.services.emr.model.RunJobFlowRequest;
import software.amazon.awssdk.services.emr.model.RunJobFlowResponse;

/** EMR in memory for the launcher's two calls: RunJobFlow starts a cluster, ListClusters lists them. */
final class FakeEmr implements EmrClient {

    /** Every RunJobFlow request that reached EMR, in order, also those whose answer was lost. */
    final List<RunJobFlowRequest> runJobFlows = new ArrayList<>();
    final List<ClusterSummary> clusters = new ArrayList<>();
    int listings;
    private SdkException rejection;
    private SdkException lostAnswer;

    /** The next RunJobFlow fails with {@code e} and starts nothing. */
    void rejectNext(SdkException e) {
        rejection = e;
    }

    /** The next RunJobFlow starts its cluster, but its caller gets {@code e} instead of the answer. */
    void loseNextAnswer(SdkException e) {
        lostAnswer = e;
    }

    String cluster(String name) {
        String id = "j-" + (clusters.size() + 1);
        clusters.add(ClusterSummary.builder().id(id).name(name).status(s -> s.state(ClusterState.STARTING)).build());
        return id;
    }

    @Override
    public RunJobFlowResponse runJobFlow(RunJobFlowRequest request) {
        runJobFlows.add(request);
        if (rejection != null) {
            SdkException e = rejection;
            rejection = null;
            throw e;
        }
        String id = cluster(request.name());
        if (lostAnswer != null) {
            SdkException e = lostAnswer;
            lostAnswer = null;
            throw e;
        }
        return RunJobFlowResponse.builder().jobFlowId(id).build();
    }

    @Override
    public ListClustersResponse listClusters(ListClustersRequest request) {
        listings++;
        return ListClustersResponse.builder().clusters(clusters.stream()
                .filter(c -> request.clusterStates().contains(c.status().state())).toList()).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {}
}
