package dev.emringest.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.ClusterSummary;

/**
 * Finds a run's cluster in EMR by its name. RunJobFlow has no idempotency token: a cluster started by an attempt that
 * died, or whose answer was lost, is found here and adopted rather than started again.
 */
public final class RunClusters {

    public static final Collection<ClusterState> ACTIVE = java.util.List.of(ClusterState.STARTING,
            ClusterState.BOOTSTRAPPING, ClusterState.RUNNING, ClusterState.WAITING, ClusterState.TERMINATING);

    private RunClusters() {}

    /** The newest cluster called {@code name} in one of {@code states}, created since the run was first claimed. */
    public static Optional<ClusterSummary> named(EmrClient emr, String name, Instant claimedAt,
                                                 Collection<ClusterState> states) {
        // EMR's clock and ours may differ a little; the name is what identifies the run.
        Instant since = claimedAt.minus(Duration.ofMinutes(5));
        return emr.listClustersPaginator(r -> r.createdAfter(since).clusterStates(states)).clusters().stream()
                .filter(c -> name.equals(c.name()))
                .findFirst();
    }
}
