package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.emringest.aws.AwsClients;
import dev.emringest.launcher.LaunchRequest;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.LauncherInit;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunWindow;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import dev.emringest.local.MutableClock;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ListStepsRequest;
import software.amazon.awssdk.services.emr.model.ListStepsResponse;
import software.amazon.awssdk.services.emr.model.StepState;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.emr.paginators.ListStepsIterable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * An incremental job ({@link #TIMED} by {@code lastmodified}, {@link #KEYED} by {@code append}) in the example account
 * on moto server, launched by the real {@link LaunchService} and recorded by the real {@link RecordService} and
 * {@link ReconcileService}. Moto never completes steps: the recorder's EMR client reports COMPLETED steps for the
 * clusters in {@link #succeeding}, and moto's own PENDING steps (a failure) for the others.
 */
final class IncrementalJobOnMoto implements AutoCloseable {

    private static final MotoServer MOTO = MotoServer.shared();
    private static final Path EXAMPLES = Path.of("../../examples");
    static final String JOB = "inc";
    static final String TIMED = "orders";
    static final String KEYED = "events";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    final S3Client s3;
    final EmrClient emr;
    final MutableClock clock;
    final Ledger ledger;
    final LaunchService launches;
    final RecordService records;
    final ReconcileService reconcile;
    /** The clusters whose steps the recorder's EMR reports COMPLETED; moto's own PENDING steps fail the others. */
    final Set<String> succeeding = ConcurrentHashMap.newKeySet();

    /** The metrics and the log lines the announced states emitted, in order. */
    final List<Announcers.Emitted> metrics = new CopyOnWriteArrayList<>();
    final List<String> lines = new CopyOnWriteArrayList<>();

    /** A fresh example account in moto with the incremental job {@link #JOB}. */
    IncrementalJobOnMoto() throws IOException {
        this(null);
    }

    /** @param eventBus where the run events go: null for moto itself, else an endpoint in front of it (WireMock) */
    IncrementalJobOnMoto(URI eventBus) throws IOException {
        MOTO.reset();
        AwsClients aws = MOTO.clients();
        ExampleAccount.seed(aws, EXAMPLES, "Simulati0n-Pa55");
        s3 = aws.s3();
        emr = aws.emr();
        s3.createBucket(r -> r.bucket("example-lake"));
        ObjectNode job = (ObjectNode) JSON.readTree(Files.readString(EXAMPLES.resolve("jobs/orders.json")));
        ObjectNode source = (ObjectNode) job.get("source");
        source.set("tables", JSON.readTree("""
                [{"name": "orders", "splitBy": "id", "columns": ["id", "status", "updated_at"],
                  "incremental": {"column": "updated_at", "mode": "lastmodified", "lagSeconds": 60}},
                 {"name": "events", "splitBy": "id", "incremental": {"column": "id", "mode": "append"}}]"""));
        ExampleAccount.put(aws.ssm(), ExampleAccount.PREFIX + "/jobs/" + JOB, JSON.writeValueAsString(job));
        clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        launches = LauncherInit.create(aws, LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()),
                clock);
        ledger = new Ledger(s3, ExampleAccount.LEDGER_BUCKET);
        EmrClient recorderEmr = completingSteps(emr);
        AwsClients events = eventBus == null ? aws : AwsClients.forEndpoint(eventBus, MotoServer.REGION,
                MOTO.credentials(), Duration.ofSeconds(20), Duration.ofSeconds(10));
        records = new RecordService(ledger, recorderEmr, ManifestReader.in(s3),
                Announcers.onMoto(ledger, events, ExampleAccount.STACK, metrics, lines), ExampleAccount.STACK, clock);
        reconcile = new ReconcileService(ledger, recorderEmr, records,
                Announcers.freshnessOnMoto(ledger, events, ExampleAccount.STACK, metrics, clock), clock);
    }

    @Override
    public void close() {
        emr.close();
        s3.close();
    }

    static LaunchRequest scheduled(Instant fired) {
        return LaunchRequest.fromSchedule(Map.of("job", JOB, "scheduledTime", fired.toString()));
    }

    static LaunchRequest queued(String messageId, Instant sentAt) {
        return LaunchRequest.fromSqs("{\"job\": \"" + JOB + "\"}", messageId, sentAt);
    }

    /** Four firings at once: one launches, the others are skipped; none runs in parallel. */
    LaunchService.Result race(Instant fired) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CyclicBarrier start = new CyclicBarrier(4);
        List<Future<LaunchService.Result>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Instant at = fired.plusSeconds(i);
            results.add(pool.submit(() -> {
                start.await();
                return launches.launch(scheduled(at));
            }));
        }
        List<LaunchService.Result> launched = new ArrayList<>();
        int skipped = 0;
        for (Future<LaunchService.Result> f : results) {
            LaunchService.Result r = f.get();
            if (r.outcome() == LaunchService.Outcome.LAUNCHED) {
                launched.add(r);
            } else {
                assertEquals(LaunchService.Outcome.SKIPPED, r.outcome());
                skipped++;
            }
        }
        pool.shutdown();
        assertEquals(1, launched.size(), "exactly one of the racing firings launches");
        assertEquals(3, skipped);
        return launched.get(0);
    }

    void writeManifest(RunWindow window, Long maxKey) {
        URI uri = URI.create(window.tables().get(KEYED).manifest());
        s3.putObject(r -> r.bucket(uri.getHost()).key(uri.getPath().substring(1)),
                RequestBody.fromString("{\"rows\": 1, \"maxKey\": " + maxKey + "}"));
    }

    Long manifestMax(String manifest) {
        URI uri = URI.create(manifest);
        var node = JSON.readTree(s3.getObjectAsBytes(r -> r.bucket(uri.getHost()).key(uri.getPath().substring(1)))
                .asByteArray());
        return node.get("maxKey").isNull() ? null : node.get("maxKey").asLong();
    }

    void terminate(String clusterId) {
        emr.terminateJobFlows(r -> r.jobFlowIds(clusterId));
    }

    JobState state() {
        return ledger.readState(JOB).map(v -> v.value()).orElse(JobState.empty(JOB));
    }

    RunRecord record(String runKey) {
        return ledger.read(JOB, runKey).orElseThrow().value();
    }

    List<RunRecord> regularRuns() {
        List<RunRecord> runs = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET)
                .prefix("runs/" + JOB + "/")).contents()) {
            String runKey = o.key().substring(("runs/" + JOB + "/").length()).replaceAll("\\.json$", "");
            RunRecord r = record(runKey);
            if (r.window() != null && !r.window().backfill()) {
                runs.add(r);
            }
        }
        return runs;
    }

    /** The recorder's EMR client: moto's answers, with every step COMPLETED for the clusters that succeed. */
    private EmrClient completingSteps(EmrClient client) {
        EmrClient[] self = new EmrClient[1];
        InvocationHandler handler = (proxy, m, args) -> {
            if (m.getName().equals("listStepsPaginator")) {
                ListStepsRequest request = args[0] instanceof ListStepsRequest r ? r
                        : ListStepsRequest.builder().applyMutation(castConsumer(args[0])).build();
                return new ListStepsIterable(self[0], request);
            }
            try {
                Object answer = m.invoke(client, args);
                if (m.getName().equals("listSteps") && answer instanceof ListStepsResponse steps
                        && args[0] instanceof ListStepsRequest r && succeeding.contains(r.clusterId())) {
                    return steps.toBuilder().steps(steps.steps().stream().map(IncrementalJobOnMoto::completed).toList())
                            .build();
                }
                return answer;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        self[0] = (EmrClient) Proxy.newProxyInstance(EmrClient.class.getClassLoader(), new Class<?>[] {EmrClient.class},
                handler);
        return self[0];
    }

    @SuppressWarnings("unchecked")
    private static Consumer<ListStepsRequest.Builder> castConsumer(Object consumer) {
        return (Consumer<ListStepsRequest.Builder>) consumer;
    }

    private static StepSummary completed(StepSummary step) {
        return step.toBuilder().status(step.status().toBuilder().state(StepState.COMPLETED).build()).build();
    }
}
