package dev.emringest.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The step loop (ActionOnFailure, CANCELLED, the listener) and the argument mapping, without running a script. */
class LocalClusterTest {

    private static final Path HDFS = Path.of("/work/node/hdfs");
    private static final Map<String, Path> BUCKETS = Map.of("lake", Path.of("/work/s3/lake"));

    private static ClusterSpec.Step step(String name, String onFailure) {
        return new ClusterSpec.Step(name, "command-runner.jar", List.of(), onFailure);
    }

    private static StepRun ran(String name, int exitCode) {
        return new StepRun(name, exitCode == 0 ? StepRun.COMPLETED : StepRun.FAILED, exitCode, "out " + name,
                Path.of("/logs/" + name), Set.of(), Instant.EPOCH, Instant.EPOCH);
    }

    /** Runs the spec with each step failing when its name starts with "fail"; what the listener heard in events. */
    private static ClusterRun run(boolean bootstrapFails, List<String> events, ClusterSpec.Step... steps) {
        ClusterSpec spec = new ClusterSpec("c", List.of(), List.of(steps), Map.of());
        return LocalCluster.run(spec, () -> ran("bootstrap", bootstrapFails ? 1 : 0),
                s -> {
                    events.add("run " + s.name());
                    return ran(s.name(), s.name().startsWith("fail") ? 2 : 0);
                },
                new LocalCluster.Listener() {
                    @Override
                    public void stepStarted(ClusterSpec.Step step) {
                        events.add("started " + step.name());
                    }

                    @Override
                    public void stepEnded(StepRun run) {
                        events.add("ended " + run.name() + " " + run.state());
                    }
                });
    }

    private static List<String> states(ClusterRun run) {
        return run.steps().stream().map(StepRun::state).toList();
    }

    @Test
    void everyStepRunsInOrderWhenNoneFails() {
        List<String> events = new ArrayList<>();
        ClusterRun run = run(false, events, step("a", "TERMINATE_CLUSTER"), step("b", "TERMINATE_CLUSTER"));
        assertTrue(run.allCompleted());
        assertEquals(Optional.empty(), run.failed());
        assertEquals(List.of("COMPLETED", "COMPLETED"), states(run));
        assertEquals(List.of("started a", "run a", "ended a COMPLETED", "started b", "run b", "ended b COMPLETED"),
                events);
    }

    @Test
    void aFailedStepThatTerminatesTheClusterOrCancelsAndWaitsCancelsEveryLaterStep() {
        for (String action : List.of("TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW", "CANCEL_AND_WAIT")) {
            List<String> events = new ArrayList<>();
            ClusterRun run = run(false, events, step("a", action), step("fail-b", action), step("c", "CONTINUE"),
                    step("d", action));
            assertEquals(List.of("COMPLETED", "FAILED", "CANCELLED", "CANCELLED"), states(run), action);
            assertFalse(run.allCompleted());
            assertEquals("fail-b", run.failed().orElseThrow().name());
            assertEquals(2, run.failed().orElseThrow().exitCode());
            assertEquals(List.of("started a", "run a", "ended a COMPLETED", "started fail-b", "run fail-b",
                    "ended fail-b FAILED", "ended c CANCELLED", "ended d CANCELLED"), events, action);
            StepRun cancelled = run.steps().get(2);
            assertEquals(-1, cancelled.exitCode());
            assertEquals("", cancelled.output());
            assertNull(cancelled.log());
            assertNull(cancelled.started());
        }
    }

    @Test
    void aFailedStepThatContinuesLetsTheNextStepsRun() {
        List<String> events = new ArrayList<>();
        ClusterRun run = run(false, events, step("fail-a", "CONTINUE"), step("b", "TERMINATE_CLUSTER"),
                step("fail-c", "TERMINATE_CLUSTER"), step("d", "CONTINUE"));
        assertEquals(List.of("FAILED", "COMPLETED", "FAILED", "CANCELLED"), states(run));
        assertEquals("fail-a", run.failed().orElseThrow().name());
        assertEquals(List.of("run fail-a", "run b", "run fail-c"), events.stream().filter(e -> e.startsWith("run"))
                .toList());
    }

    @Test
    void aStepWithoutActionOnFailureStopsTheStepsWhenItFails() {
        ClusterRun run = run(false, new ArrayList<>(), step("fail-a", null), step("b", "CONTINUE"));
        assertEquals(List.of("FAILED", "CANCELLED"), states(run));
    }

    @Test
    void aFailedBootstrapActionCancelsEveryStep() {
        List<String> events = new ArrayList<>();
        ClusterRun run = run(true, events, step("a", "CONTINUE"), step("b", "TERMINATE_CLUSTER"));
        assertEquals(List.of("CANCELLED", "CANCELLED"), states(run));
        assertEquals("bootstrap", run.failed().orElseThrow().name());
        assertFalse(run.allCompleted());
        assertEquals(List.of("ended a CANCELLED", "ended b CANCELLED"), events);
    }

    @Test
    void hdfsMapsUnderTheHdfsRootAndLocalBucketsToTheirDirectoriesAsFileUris() {
        assertEquals("file:///work/node/hdfs/emr-ingest/staging/run/events",
                LocalCluster.localArgument("hdfs:///emr-ingest/staging/run/events", HDFS, BUCKETS));
        assertEquals("file:///work/node/hdfs/", LocalCluster.localArgument("hdfs:///", HDFS, BUCKETS));
        assertEquals("file:///work/s3/lake/raw/shop/events",
                LocalCluster.localArgument("s3://lake/raw/shop/events", HDFS, BUCKETS));
        assertEquals("file:///work/s3/lake/", LocalCluster.localArgument("s3://lake/", HDFS, BUCKETS));
        assertEquals("file:///work/s3/lake", LocalCluster.localArgument("s3://lake", HDFS, BUCKETS));
    }

    @Test
    void everythingElseStaysAsItIs() {
        for (String argument : List.of("s3://emr-ingest-cluster/assets/abc/spark-job.jar", "s3://lakehouse/x",
                "s3://lake-2/x", "--table", "hdfs://namenode:8020/x", "hdfs:/x", "jdbc:mysql://db:3306/shop",
                "file:///tmp/x", "")) {
            assertEquals(argument, LocalCluster.localArgument(argument, HDFS, BUCKETS));
        }
    }

    @Test
    void aDirectoryWithSpacesIsEscapedInTheUri() {
        assertEquals("file:///work/my%20lake/x",
                LocalCluster.localArgument("s3://lake/x", HDFS, Map.of("lake", Path.of("/work/my lake"))));
    }
}
