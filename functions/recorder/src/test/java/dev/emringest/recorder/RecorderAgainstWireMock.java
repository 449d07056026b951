package dev.emringest.recorder;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.emringest.local.EmrDocuments.cluster;
import static dev.emringest.local.EmrDocuments.step;
import static dev.emringest.local.EmrDocuments.tags;
import static dev.emringest.local.EmrEvents.clusterStateChange;
import static dev.emringest.local.EmrEvents.reason;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.ClusterPointer;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.EmrStub;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The recorder end to end with EMR served by WireMock: EventBridge-shaped events into {@link EmrEventHandler}, a real
 * SDK EmrClient talking to WireMock that answers as EMR documents it (JSON 1.1, {@link EmrStub}), and the ledger in
 * moto server's S3. Each case reads the run record back from the ledger.
 */
abstract class RecorderAgainstWireMock {

    static final MotoServer MOTO = MotoServer.shared();
    static final String STACK = "teststack";
    static final String BUCKET = "ledger";
    static final String JOB = "orders";
    static final String RUN_KEY = "2026-11-25T02:00:00Z";
    static final String CLUSTER_NAME = STACK + "-orders-3f9a1c2b7d4e";
    static final Instant CLAIMED_AT = Instant.parse("2026-11-25T02:00:00Z");
    static final Instant LAUNCHED_AT = CLAIMED_AT.plusSeconds(5);
    static final Instant RECORDED_AT = Instant.parse("2026-11-25T02:40:00Z");
    static final String SQOOP = "sqoop-import orders";
    static final String SPARK = "spark-load";

    static WireMockServer emrServer;
    static EmrStub emrStub;

    S3Client s3;
    EmrClient emr;
    Ledger ledger;
    EmrEventHandler handler;
    LoggedContext context;

    @BeforeAll
    static void startEmr() {
        emrServer = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        emrServer.start();
        emrStub = new EmrStub(emrServer);
    }

    @AfterAll
    static void stopEmr() {
        emrServer.stop();
    }

    @BeforeEach
    void freshAccount() {
        MOTO.reset();
        emrServer.resetAll();
        s3 = MOTO.clients().s3();
        s3.createBucket(r -> r.bucket(BUCKET));
        ledger = new Ledger(s3, BUCKET);
        emr = AwsClients.forEndpoint(URI.create("http://127.0.0.1:" + emrServer.port()), MotoServer.REGION,
                MOTO.credentials(), Duration.ofSeconds(10), Duration.ofSeconds(5)).emr();
        handler = new EmrEventHandler(new RecordService(ledger, emr, ManifestReader.in(s3),
                Announcers.onMoto(ledger, MOTO.clients(), STACK), STACK,
                Clock.fixed(RECORDED_AT, ZoneOffset.UTC)));
        context = new LoggedContext("recorder");
    }

    @AfterEach
    void closeClients() {
        emr.close();
        s3.close();
    }

    // ---- the launcher's part ------------------------------------------------------------------------------------

    /**
     * A LAUNCHED record, as the launcher leaves it once RunJobFlow answered, and the pointer the cluster's first event
     * wrote (see anEarlyRunningEventIsRecordedThroughTheClustersTags).
     */
    void launchedRun(String clusterId) {
        assertTrue(ledger.claim(RunRecord.claim(JOB, RUN_KEY, "attempt-1", CLUSTER_NAME, "v1", CLAIMED_AT)).created());
        ledger.update(JOB, RUN_KEY, r -> r.launched(clusterId, LAUNCHED_AT));
        ledger.pointCluster(new ClusterPointer(clusterId, JOB, RUN_KEY));
    }

    RunRecord record() {
        return versioned().value();
    }

    Versioned<RunRecord> versioned() {
        return ledger.read(JOB, RUN_KEY).orElseThrow(() -> new AssertionError("no run record"));
    }

    static List<String> ids(RunRecord run) {
        return run.steps().stream().map(StepOutcome::id).toList();
    }

    static List<String> states(RunRecord run) {
        return run.steps().stream().map(StepOutcome::state).toList();
    }

    Map<String, String> invoke(Map<String, Object> event) {
        return handler.handle(event, context);
    }

    /** EMR's DescribeCluster and ListSteps for one of the run's clusters (named and tagged as the launcher does). */
    @SafeVarargs
    static void stubCluster(String clusterId, String state, String code, String message,
                            Map<String, Object>... stepsNewestFirst) {
        stubCluster(clusterId, CLUSTER_NAME, state, code, message, stepsNewestFirst);
    }

    /** EMR says the cluster ended with both steps COMPLETED: a run that succeeded. */
    static void stubSucceeded(String clusterId) {
        stubCluster(clusterId, "TERMINATED", "ALL_STEPS_COMPLETED", "Steps completed",
                step("s-2SPARK", SPARK, "COMPLETED"),
                step("s-1SQOOP", SQOOP, "COMPLETED"));
    }

    /** The cluster's TERMINATED event after all its steps completed. */
    static Map<String, Object> succeededEvent(String clusterId) {
        return clusterStateChange(clusterId, CLUSTER_NAME, "TERMINATED",
                reason("ALL_STEPS_COMPLETED", "Steps completed"));
    }

    @SafeVarargs
    static void stubCluster(String clusterId, String name, String state, String code, String message,
                            Map<String, Object>... stepsNewestFirst) {
        emrStub.describeCluster(cluster(clusterId, name, state, code, message, ourTags()));
        emrStub.listSteps(clusterId, stepsNewestFirst);
    }

    static List<Map<String, Object>> ourTags() {
        return tags(STACK, JOB, RUN_KEY);
    }
}
