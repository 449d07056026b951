package dev.emringest.recorder;

import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.aws.AwsClients;
import dev.emringest.launcher.LaunchRequest;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.LauncherInit;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunClusters;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import dev.emringest.local.MutableClock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterState;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The reconcile against moto server (EMR and S3): runs launched by the real {@link LaunchService}, events delivered
 * through {@link EmrEventHandler} (or lost), and {@link ReconcileHandler} finalising, adopting and closing what the
 * events left open. Moto's EMR keeps steps PENDING/RUNNING forever and leaves {@code StateChangeReason} empty, so a
 * run whose cluster moto terminated ends FAILED with the steps moto reports.
 */
abstract class ReconcileAgainstMoto {

    static final MotoServer MOTO = MotoServer.shared();
    static final Path EXAMPLES = Path.of("../../examples");
    static final String PASSWORD = "Rec0ncile-Kn0wn-Pa55";
    static final String STACK = ExampleAccount.STACK;
    static final String BUCKET = ExampleAccount.LEDGER_BUCKET;
    static final String JOB = "orders";
    static final List<String> STEP_NAMES = List.of("sqoop-import orders", "sqoop-import customers", "spark-load");

    MutableClock clock;
    AwsClients aws;
    S3Client s3;
    EmrClient emr;
    Ledger ledger;
    LaunchService launches;
    RecordService records;
    EmrEventHandler events;
    ReconcileHandler reconcile;
    LoggedContext context;

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        aws = MOTO.clients();
        ExampleAccount.seed(aws, EXAMPLES, PASSWORD);
        // Near real time: moto stamps clusters and S3 objects with its own clock, and the reconcile compares them.
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        launches = LauncherInit.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                clock);
        s3 = aws.s3();
        emr = aws.emr();
        ledger = new Ledger(s3, BUCKET);
        records = new RecordService(ledger, emr, ManifestReader.in(s3), Announcers.onMoto(ledger, aws, STACK), STACK,
                clock);
        events = new EmrEventHandler(records);
        reconcile = new ReconcileHandler(new ReconcileService(ledger, emr, records, freshness(), clock));
        context = new LoggedContext("recorder");
    }

    @AfterEach
    void closeClients() {
        emr.close();
        s3.close();
    }

    FreshnessCheck freshness() {
        return Announcers.freshnessOnMoto(ledger, aws, STACK, new java.util.concurrent.CopyOnWriteArrayList<>(), clock);
    }

    // ---- the launcher's part and a lost recording ---------------------------------------------------------------

    LaunchService.Result launch(String runKey) {
        return launches.launch(new LaunchRequest(JOB, runKey));
    }

    /** A launched run whose cluster moto has terminated; its terminal event is the test's to deliver, or lose. */
    LaunchService.Result launchedThenTerminated(String runKey) {
        LaunchService.Result launched = launch(runKey);
        terminate(launched.clusterId());
        return launched;
    }

    /** The terminal event EMR sends for a cluster ended by TerminateJobFlows. */
    static Map<String, Object> terminatedByUser(LaunchService.Result launched) {
        return clusterStateChange(launched.clusterId(), launched.clusterName(), "TERMINATED",
                reason("USER_REQUEST", "Terminated by user request"));
    }

    /**
     * An attempt that died right after RunJobFlow: the cluster exists in EMR (moto), but the record's cluster id was
     * not written. The record goes back to the claim it was.
     */
    String launchThenLoseTheRecording(String runKey) {
        LaunchService.Result launched = launch(runKey);
        assertEquals(RunIdentity.of(STACK, JOB, runKey).clusterName(), launched.clusterName());
        Versioned<RunRecord> recorded = versioned(runKey);
        RunRecord r = recorded.value();
        RunRecord claimed = new RunRecord(r.job(), r.runKey(), RunState.CLAIMED, r.attempt(), null, r.clusterName(),
                r.definitionVersion(), List.of(), null, r.createdAt(), null, null, r.createdAt(), r.window(), r.tables(),
                null, List.of(), 0);
        assertTrue(ledger.swap(recorded, claimed).isPresent());
        assertEquals(List.of(JOB + "/" + runKey), openRuns());
        return launched.clusterId();
    }

    RunRecord claim(String runKey) {
        return RunRecord.claim(JOB, runKey, UUID.randomUUID().toString(),
                RunIdentity.of(STACK, JOB, runKey).clusterName(), "jobs/orders@1,defaults@1",
                clock.instant());
    }

    void putMarker(String runKey) {
        s3.putObject(p -> p.bucket(BUCKET).key("open/" + JOB + "/" + runKey), RequestBody.empty());
    }

    // ---- EMR (moto) ---------------------------------------------------------------------------------------------

    void terminate(String clusterId) {
        emr.terminateJobFlows(r -> r.jobFlowIds(clusterId));
        assertEquals(ClusterState.TERMINATED, clusterState(clusterId));
    }

    /** Moto says WAITING for a cluster with steps it never runs: active, not ended. */
    void assertActive(String clusterId) {
        ClusterState state = clusterState(clusterId);
        assertTrue(RunClusters.ACTIVE.contains(state), clusterId + " is " + state);
    }

    ClusterState clusterState(String clusterId) {
        return emr.describeCluster(r -> r.clusterId(clusterId)).cluster().status().state();
    }

    /** {@code id=STATE} of the cluster's steps in submission order (ListSteps answers newest first). */
    List<String> motoSteps(String clusterId) {
        List<String> steps = new ArrayList<>();
        for (StepSummary s : emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps()) {
            steps.add(s.id() + "=" + s.status().stateAsString());
        }
        Collections.reverse(steps);
        assertEquals(STEP_NAMES.size(), steps.size());
        return steps;
    }

    // ---- the ledger ---------------------------------------------------------------------------------------------

    RunRecord record(String runKey) {
        return versioned(runKey).value();
    }

    Versioned<RunRecord> versioned(String runKey) {
        return ledger.read(JOB, runKey).orElseThrow(() -> new AssertionError("no run record for " + runKey));
    }

    /** {@code job/runKey} of each open/ marker, sorted. */
    List<String> openRuns() {
        return ledger.openRuns().stream().map(r -> r.job() + "/" + r.runKey()).sorted().toList();
    }

    /** Requests that changed the ledger bucket. */
    static List<String> ledgerWrites(List<MotoServer.Recorded> requests) {
        return requests.stream()
                .filter(r -> List.of("PUT", "POST", "DELETE").contains(r.method()))
                .map(r -> r.method() + " " + URI.create(r.url()).getPath())
                .filter(s -> s.contains("/" + BUCKET))
                .toList();
    }

    // ---- handlers -----------------------------------------------------------------------------------------------

    Map<String, String> event(Map<String, Object> event) {
        return events.handle(event, context);
    }

    Map<String, Integer> reconcile() {
        return reconcile.handle(Map.of(), context);
    }

    /** What {@link ReconcileHandler} answers for a pass. */
    static Map<String, Integer> summary(int open, int finalised, int adopted, int launchFailed, int closed,
                                        int announced, int unchanged) {
        return Map.of("open", open, "finalised", finalised, "adopted", adopted, "launchFailed", launchFailed,
                "closed", closed, "announced", announced, "unchanged", unchanged, "stale", 0);
    }
}
