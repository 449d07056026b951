package dev.emringest.lambda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.emringest.aws.AwsClients;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.emr.model.StepSummary;

/**
 * Every deployable function as Lambda runs it: the package {@code template.yaml}'s CodeUri names, extracted, in a
 * fresh JVM started with the real runtime interface client's main class and the template's handler string, the
 * template's environment, a Runtime API on loopback and moto server as AWS. Every file in {@code events/} goes to
 * the function it is for, and a call to {@code /error} or {@code /init/error} fails the test with the runtime's
 * message. {@code -Dpackages.from=<checkout>} runs another checkout's built packages (e.g. an older commit).
 */
class LambdaRuntimeIT {

    private static final Path REPO = Path.of("../..").toAbsolutePath().normalize();
    private static final Path EVENTS = REPO.resolve("events");
    private static final Path PACKAGES = Path.of(System.getProperty("packages.from", REPO.toString()));
    private static final String EVENTS_CLUSTER = "j-1YONHTCP3YZKC";

    @TempDir
    static Path work;
    private static MotoServer moto;
    private static AwsClients aws;
    private static SamTemplate template;
    private static ExecutionEnvironment.Runtime runtime;
    private static final Map<String, ExecutionEnvironment> running = new HashMap<>();
    /** Each events/ file that was sent, so the last test can check none was left out. */
    private static final List<String> sent = new ArrayList<>();

    @BeforeAll
    static void account() {
        moto = MotoServer.shared();
        moto.reset();
        aws = moto.clients();
        ExampleAccount.seed(aws, REPO.resolve("examples"), "runtime-it-Pa55word");
        template = new SamTemplate(REPO.resolve("template.yaml"), ExampleAccount.stackReferences());
        Path lib = Path.of(System.getProperty("lambda.runtime.lib", "target/runtime-lib")).toAbsolutePath();
        runtime = new ExecutionEnvironment.Runtime(Path.of(System.getProperty("java.home"), "bin", "java"), lib,
                ExecutionEnvironment.extractJni(lib, work.resolve("jni")));
    }

    @AfterAll
    static void stop() {
        running.values().forEach(ExecutionEnvironment::close);
    }

    /** The function's environment, started at its first event and kept warm for the next, as Lambda does. */
    private static ExecutionEnvironment function(String logicalId) {
        return running.computeIfAbsent(logicalId, id -> {
            SamTemplate.Function f = template.function(id);
            Path task = ExecutionEnvironment.extract(PACKAGES.resolve(f.codeUri()), work.resolve(id + "-task"));
            Map<String, String> local = Map.of("AWS_ENDPOINT_URL", moto.endpoint().toString(),
                    "AWS_ACCESS_KEY_ID", "testing", "AWS_SECRET_ACCESS_KEY", "testing", "AWS_SESSION_TOKEN", "testing");
            return ExecutionEnvironment.start(f, task, local, runtime, work.resolve(id + ".log"));
        });
    }

    /** The function's answer to the event; any {@code /error} fails the test with what the runtime reported. */
    private static String invoke(String logicalId, String eventFile, String event) {
        sent.add(eventFile);
        ExecutionEnvironment function = function(logicalId);
        RuntimeApi.Answer answer = function.invoke(event);
        if (answer.error()) {
            fail(logicalId + " answered " + eventFile + " with /error " + answer.errorType() + ": " + answer.body()
                    + "\nits output:\n" + function.output());
        }
        return answer.body();
    }

    private static String file(String name) {
        try {
            return Files.readString(EVENTS.resolve(name));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    @Test
    void everyFunctionRunsUnderTheRuntimeClientWithEveryEventFile() throws IOException {
        // Launchers: one firing in both envelopes, then the queue's batch with one malformed message.
        String launched = invoke("ScheduleLaunchFunction", "schedule-scheduler.json", file("schedule-scheduler.json"));
        assertEquals("LAUNCHED", field(launched, "outcome"), launched);
        String scheduled = field(launched, "clusterId");
        String again = invoke("ScheduleLaunchFunction", "schedule-classic.json", file("schedule-classic.json"));
        assertEquals("ALREADY_LAUNCHED", field(again, "outcome"), again);
        assertEquals(scheduled, field(again, "clusterId"), "the same firing has the same run");

        String batch = invoke("QueueLaunchFunction", "sqs-batch.json", file("sqs-batch.json"));
        assertEquals("{\"batchItemFailures\":[{\"itemIdentifier\":\"b1e7c2d4-5a6f-4e3b-8d9c-0a1b2c3d4e5f\"}]}", batch,
                "exactly the malformed message fails");
        String queued = aws.emr().listClustersPaginator(r -> { }).clusters().stream()
                .filter(c -> !c.id().equals(scheduled)).findFirst().orElseThrow().id();
        assertEquals(2, aws.emr().listClustersPaginator(r -> { }).clusters().stream().count());

        // Recorder: the samples as EMR would send them about these clusters (id, name and step ids replaced).
        assertEquals("UPDATED", recorded("emr-cluster-running.json", scheduled));
        assertEquals("UPDATED", recorded("emr-step-completed.json", scheduled));
        assertEquals("UPDATED", recorded("emr-step-failed.json", queued));
        aws.emr().terminateJobFlows(r -> r.jobFlowIds(scheduled, queued));
        assertEquals("FINAL", recorded("emr-cluster-terminated-completed.json", scheduled));
        assertEquals("FINAL", recorded("emr-cluster-terminated-with-errors.json", queued));
        // The samples unchanged, as `sam local invoke` sends them: a cluster EMR does not know is ignored.
        for (String name : List.of("emr-cluster-running.json", "emr-step-completed.json", "emr-step-failed.json")) {
            String answer = invoke("RecorderFunction", name, file(name));
            assertEquals("IGNORED", field(answer, "outcome"), name + ": " + answer);
        }

        // Reconcile: its schedule's input, and sam local invoke's --no-event.
        for (String input : List.of("{}", "")) {
            String pass = invoke("ReconcileFunction", "(schedule input)", input);
            assertTrue(pass.startsWith("{\"open\":"), pass);
        }

        // Schedule sync: SSM's change event creates the example job's schedule; the periodic pass finds it in place.
        String synced = invoke("ScheduleSyncFunction", "parameter-store-change.json",
                file("parameter-store-change.json"));
        assertTrue(synced.contains("\"created\":[\"orders\"]"), synced);
        String periodic = invoke("ScheduleSyncFunction", "(schedule input)", "{}");
        assertTrue(periodic.contains("\"created\":[]") && periodic.contains("\"unchanged\":1"), periodic);
        // The schedule's input, as Scheduler fills it in at a firing, is a launch the schedule launcher takes.
        var schedule = aws.scheduler().getSchedule(r -> r.groupName(ExampleAccount.SCHEDULE_GROUP).name("orders"));
        assertEquals(ExampleAccount.SCHEDULE_LAUNCHER_ARN, schedule.target().arn());
        String firing = schedule.target().input().replace("<aws.scheduler.scheduled-time>", "2026-11-26T02:00:00Z");
        String fired = invoke("ScheduleLaunchFunction", "(the orders schedule's input)", firing);
        assertEquals("LAUNCHED", field(fired, "outcome"), fired);

        try (Stream<Path> files = Files.list(EVENTS)) {
            List<String> unsent = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.equals("env.json") && !sent.contains(n)).toList();
            assertEquals(List.of(), unsent, "every events/ file goes to its function");
        }
        // JSON log format: the functions' own lines and metrics are written unwrapped, their fields at the top level.
        assertTrue(function("ScheduleLaunchFunction").output().contains("\"job\":\"orders\",\"runKey\":\""
                + "2026-11-25T02:00:00Z\",\"outcome\":\"LAUNCHED\""), function("ScheduleLaunchFunction").output());
        String recorder = function("RecorderFunction").output();
        assertTrue(recorder.contains("{\"_aws\":{\"Timestamp\":") && recorder.contains("\"RunsFailed\":1"), recorder);
        assertFalse(recorder.contains("\\\"_aws\\\""), "a metric line wrapped as a message: " + recorder);
        for (String id : template.functions()) {
            assertTrue(running.containsKey(id), id + " was not run");
            assertFalse(function(id).output().contains("Exception"), id + " logged an exception:\n" + function(id).output());
        }
    }

    /** The recorder's outcome for an events/ file sent about {@code clusterId}, with its run record's state. */
    private static String recorded(String name, String clusterId) {
        var cluster = aws.emr().describeCluster(r -> r.clusterId(clusterId)).cluster();
        List<StepSummary> steps = aws.emr().listStepsPaginator(r -> r.clusterId(clusterId)).steps().stream().toList();
        String event = file(name).replace(EVENTS_CLUSTER, clusterId)
                .replace("emr-ingest-orders-cd6420d7f6ee", cluster.name())
                .replace("s-2M9ZRKRPJXQ0Z", steps.get(steps.size() - 1).id())  // completed: the first step
                .replace("s-3N0ASLSQKYR1A", steps.get(0).id());  // failed: the last one (ListSteps is newest first)
        String answer = invoke("RecorderFunction", name, event);
        assertTrue(answer.contains("\"job\":\"orders\""), name + ": " + answer);
        return field(answer, "outcome");
    }

    @Test
    void theTemplatesEnvironmentsAreTheOnesTheInProcessTestsUse() {
        Map<String, String> launcher = new LinkedHashMap<>(ExampleAccount.launcherEnvironment());
        launcher.remove("AWS_REGION");  // Lambda's, not the template's
        assertEquals(launcher, template.function("ScheduleLaunchFunction").environment());
        assertEquals(launcher, template.function("QueueLaunchFunction").environment());
        Map<String, String> sync = new LinkedHashMap<>(ExampleAccount.scheduleSyncEnvironment());
        sync.remove("AWS_REGION");
        assertEquals(sync, template.function("ScheduleSyncFunction").environment());
    }
}
