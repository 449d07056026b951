package dev.emringest.schedules;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.JobFreshness;
import dev.emringest.ledger.Ledger;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import dev.emringest.logs.LoggedLines;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import software.amazon.awssdk.services.scheduler.model.ScheduleState;
import software.amazon.awssdk.services.scheduler.model.ScheduleSummary;
import software.amazon.awssdk.services.scheduler.model.Target;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The schedule sync against moto server's Scheduler and SSM, and WireMock in front of them for faults. Every check
 * reads the group back from Scheduler, field for field. Moto's limits are not built on: the group is created before
 * any schedule (moto answers 500 for a missing group), no test depends on {@code ActionAfterCompletion} being kept by
 * an update, and schedules never fire (the runtime test feeds a schedule's input to the launcher instead).
 */
class ScheduleSyncIT {

    private static final Path EXAMPLES = Path.of("../../examples");
    private static final MotoServer MOTO = MotoServer.shared();
    private static final String GROUP = ExampleAccount.SCHEDULE_GROUP;
    private static final String PREFIX = ExampleAccount.PREFIX;
    private static final JobSchedule.Destination TO = new JobSchedule.Destination(
            ExampleAccount.SCHEDULE_LAUNCHER_ARN, ExampleAccount.SCHEDULER_ROLE_ARN, ExampleAccount.TRIGGER_DLQ_ARN);
    private static final String GET_PARAMETERS_BY_PATH = "AmazonSSM.GetParametersByPath";

    @RegisterExtension
    static final WireMockExtension wireMock = WireMockExtension.newInstance()
            .options(options().dynamicPort().bindAddress("127.0.0.1")).build();
    private SchedulerClient scheduler;
    private SsmClient ssm;
    private JsonObject exampleJob;
    private JsonObject exampleDefaults;

    /** What one job's schedule must be. {@code window} null: no flexible window. */
    private record Expected(String expression, String timezone, Integer window, boolean enabled) {}

    @BeforeEach
    void freshAccount() throws IOException {
        MOTO.reset();
        wireMock.resetAll();
        wireMock.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));
        AwsClients direct = MOTO.clients();
        ExampleAccount.seed(direct, EXAMPLES, "sync-it-Pa55word");
        scheduler = direct.scheduler();
        ssm = direct.ssm();
        exampleJob = JsonDocuments.read(Files.readString(EXAMPLES.resolve("jobs/orders.json"))).asJsonObject();
        exampleDefaults = JsonDocuments.read(Files.readString(EXAMPLES.resolve("defaults.json"))).asJsonObject();
        ssm.deleteParameter(r -> r.name(PREFIX + "/jobs/orders"));
        // Another team's schedule of the same name, in another group: no pass may touch it.
        scheduler.createScheduleGroup(r -> r.name("other-team"));
        scheduler.createSchedule(r -> r.groupName("other-team").name("orders").scheduleExpression("rate(5 minutes)")
                .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF))
                .target(t -> t.arn("arn:aws:lambda:us-east-1:123456789012:function:theirs").roleArn(
                        "arn:aws:iam::123456789012:role/theirs")));
    }

    private static ScheduleSync sync(AwsClients aws) {
        return new ScheduleSync(new JobDefinitionStore(aws.ssm(), PREFIX), aws.scheduler(), GROUP, TO,
                new Ledger(aws.s3(), ExampleAccount.LEDGER_BUCKET), Clock.systemUTC());
    }

    private static ScheduleSync direct() {
        return sync(MOTO.clients());
    }

    private static AwsClients throughWireMock() {
        return AwsClients.forEndpoint(URI.create(wireMock.baseUrl()), MotoServer.REGION, MOTO.credentials(),
                Duration.ofSeconds(20), Duration.ofSeconds(10));
    }

    /** Stores the example job as {@code job}, with {@code schedule} (JSON) or, for null, without one. */
    private void putJob(String job, String schedule) {
        JsonObjectBuilder document = JsonDocuments.JSON.createObjectBuilder(exampleJob).remove("schedule");
        if (schedule != null) {
            document.add("schedule", JsonDocuments.read(schedule));
        }
        ExampleAccount.put(ssm, PREFIX + "/jobs/" + job, document.build().toString());
    }

    private void putDefaultSchedule(String schedule) {
        ExampleAccount.put(ssm, PREFIX + "/defaults", JsonDocuments.JSON.createObjectBuilder(exampleDefaults)
                .add("schedule", JsonDocuments.read(schedule)).build().toString());
    }

    private ScheduleSync.Report passWithoutFailures(ScheduleSync sync) {
        ScheduleSync.Report report = sync.sync();
        assertEquals(Map.of(), report.failed(), "no job failed");
        return report;
    }

    private List<String> group() {
        return scheduler.listSchedulesPaginator(r -> r.groupName(GROUP)).schedules().stream()
                .map(ScheduleSummary::name).sorted().toList();
    }

    /** The group holds exactly these schedules, each field as the sync must send it; the other group is intact. */
    private void assertGroupHolds(Map<String, Expected> expected) {
        assertEquals(new TreeSet<>(expected.keySet()).stream().toList(), group(), "the group's schedules");
        expected.forEach((job, e) -> {
            GetScheduleResponse s = scheduler.getSchedule(r -> r.groupName(GROUP).name(job));
            assertEquals(e.expression(), s.scheduleExpression(), job);
            assertEquals(e.timezone(), s.scheduleExpressionTimezone(), job);
            assertEquals(e.window() == null ? FlexibleTimeWindowMode.OFF : FlexibleTimeWindowMode.FLEXIBLE,
                    s.flexibleTimeWindow().mode(), job);
            assertEquals(e.window(), s.flexibleTimeWindow().maximumWindowInMinutes(), job);
            assertEquals(e.enabled() ? ScheduleState.ENABLED : ScheduleState.DISABLED, s.state(), job);
            assertEquals("Launches emr-ingest job " + job, s.description(), job);
            Target t = s.target();
            assertEquals(ExampleAccount.SCHEDULE_LAUNCHER_ARN, t.arn(), job);
            assertEquals(ExampleAccount.SCHEDULER_ROLE_ARN, t.roleArn(), job);
            assertEquals("{\"job\":\"" + job + "\",\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}", t.input(),
                    job);
            assertEquals(3, t.retryPolicy().maximumRetryAttempts(), job);
            assertEquals(3600, t.retryPolicy().maximumEventAgeInSeconds(), job);
            assertEquals(ExampleAccount.TRIGGER_DLQ_ARN, t.deadLetterConfig().arn(), job);
        });
        GetScheduleResponse theirs = scheduler.getSchedule(r -> r.groupName("other-team").name("orders"));
        assertEquals("rate(5 minutes)", theirs.scheduleExpression(), "nothing outside the group is touched");
    }

    @Test
    void schedulesFollowTheirDefinitionsThroughCreateChangeDisableReEnableAndDelete() {
        putDefaultSchedule("{\"timezone\": \"America/New_York\"}");
        putJob("orders", "{\"expression\": \"cron(0 2 * * ? *)\", \"timezone\": \"Europe/Berlin\","
                + " \"flexibleWindowMinutes\": 15}");
        putJob("invoices", "{\"expression\": \"rate(6 hours)\"}");
        putJob("adhoc", null);
        ScheduleSync sync = direct();

        ScheduleSync.Report first = passWithoutFailures(sync);
        assertEquals(Set.of("orders", "invoices"), Set.copyOf(first.created()));
        Expected orders = new Expected("cron(0 2 * * ? *)", "Europe/Berlin", 15, true);
        // the defaults' time zone fills in a job's schedule, and schedules no job that has none (adhoc)
        Expected invoices = new Expected("rate(6 hours)", "America/New_York", null, true);
        assertGroupHolds(Map.of("orders", orders, "invoices", invoices));

        putJob("orders", "{\"expression\": \"cron(30 3 ? * MON-FRI *)\", \"timezone\": \"Europe/Berlin\"}");
        ScheduleSync.Report changed = passWithoutFailures(sync);
        assertEquals(List.of("orders"), changed.updated());
        assertEquals(1, changed.unchanged());
        orders = new Expected("cron(30 3 ? * MON-FRI *)", "Europe/Berlin", null, true);
        assertGroupHolds(Map.of("orders", orders, "invoices", invoices));

        putJob("invoices", "{\"expression\": \"rate(6 hours)\", \"enabled\": false}");
        assertEquals(List.of("invoices"), passWithoutFailures(sync).updated());
        assertGroupHolds(Map.of("orders", orders, "invoices", new Expected("rate(6 hours)", "America/New_York", null,
                false)));

        putJob("invoices", "{\"expression\": \"rate(6 hours)\", \"enabled\": true}");
        assertEquals(List.of("invoices"), passWithoutFailures(sync).updated());
        assertGroupHolds(Map.of("orders", orders, "invoices", invoices));

        ScheduleSync.Report idle = passWithoutFailures(sync);
        assertEquals(List.of(), idle.created());
        assertEquals(List.of(), idle.updated());
        assertEquals(List.of(), idle.deleted());
        assertEquals(2, idle.unchanged(), "an unchanged definition costs no write");

        putJob("orders", null);
        assertEquals(List.of("orders"), passWithoutFailures(sync).deleted(), "a job without schedule runs on demand");
        assertGroupHolds(Map.of("invoices", invoices));

        ssm.deleteParameter(r -> r.name(PREFIX + "/jobs/invoices"));
        assertEquals(List.of("invoices"), passWithoutFailures(sync).deleted());
        assertGroupHolds(Map.of());
    }

    @Test
    void aFullPassRepairsDrift() {
        putJob("orders", "{\"expression\": \"cron(0 2 * * ? *)\"}");
        putJob("invoices", "{\"expression\": \"rate(6 hours)\", \"flexibleWindowMinutes\": 30}");
        ScheduleSync sync = direct();
        passWithoutFailures(sync);

        scheduler.deleteSchedule(r -> r.groupName(GROUP).name("orders"));
        GetScheduleResponse invoices = scheduler.getSchedule(r -> r.groupName(GROUP).name("invoices"));
        scheduler.updateSchedule(r -> r.groupName(GROUP).name("invoices").scheduleExpression("rate(1 day)")
                .state(ScheduleState.DISABLED).flexibleTimeWindow(invoices.flexibleTimeWindow())
                .target(invoices.target().toBuilder().input("{\"job\":\"orders\"}").build()));
        scheduler.createSchedule(r -> r.groupName(GROUP).name("retired-job").scheduleExpression("rate(1 hour)")
                .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF)).target(invoices.target()));

        ScheduleSync.Report repair = passWithoutFailures(sync);
        assertEquals(List.of("orders"), repair.created());
        assertEquals(List.of("invoices"), repair.updated());
        assertEquals(List.of("retired-job"), repair.deleted());
        assertGroupHolds(Map.of("orders", new Expected("cron(0 2 * * ? *)", "UTC", null, true),
                "invoices", new Expected("rate(6 hours)", "UTC", 30, true)));
    }

    /**
     * Both passes go through WireMock, which answers every read late with what moto said when it was asked:
     * both see a job's schedule missing (or an orphan present) before either has written, so one pass's create meets
     * the other's (ConflictException) and one pass's delete finds nothing (ResourceNotFoundException). Each round asserts that both races happened.
     */
    @Test
    void twoPassesAtOnceEndInTheSameState() throws Exception {
        wireMock.stubFor(get(anyUrl()).atPriority(5).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())
                .withFixedDelay(500)));
        // A listing longer still: the pass that lost a create race (one read more) lists before the other deletes.
        wireMock.stubFor(get(urlPathEqualTo("/schedules")).atPriority(4).willReturn(aResponse()
                .proxiedFrom(MOTO.endpoint().toString()).withFixedDelay(2000)));
        Map<String, Expected> expected = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            putJob("job-" + i, "{\"expression\": \"rate(" + (i + 2) + " hours)\"}");
            expected.put("job-" + i, new Expected("rate(" + (i + 2) + " hours)", "UTC", null, true));
        }
        for (int round = 0; round < 3; round++) {
            for (String orphan : List.of("orphan-a", "orphan-b")) {
                scheduler.createSchedule(r -> r.groupName(GROUP).name(orphan).scheduleExpression("rate(1 hour)")
                        .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF))
                        .target(t -> t.arn(TO.launcherArn()).roleArn(TO.roleArn())));
            }
            if (round > 0) {  // drift for the racing passes to repair: every schedule gone, one definition changed
                expected.keySet().forEach(job -> scheduler.deleteSchedule(r -> r.groupName(GROUP).name(job)));
                String was = expected.get("job-2").expression();
                String now = "rate(" + (4 + 10 * round) + " hours)";
                ExampleAccount.put(ssm, PREFIX + "/jobs/job-2", ssm.getParameter(r -> r.name(PREFIX + "/jobs/job-2"))
                        .parameter().value().replace(was, now));
                expected.put("job-2", new Expected(now, "UTC", null, true));
            }
            wireMock.resetRequests();
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<ScheduleSync.Report>> passes = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                ScheduleSync sync = sync(throughWireMock());
                passes.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return sync.sync();
                }));
            }
            start.countDown();
            List<String> created = new ArrayList<>();
            List<String> deleted = new ArrayList<>();
            for (CompletableFuture<ScheduleSync.Report> pass : passes) {
                ScheduleSync.Report report = pass.get();
                assertEquals(Map.of(), report.failed(), "round " + round + ": a pass beside another does not fail");
                created.addAll(report.created());
                deleted.addAll(report.deleted());
            }
            assertEquals(List.of("job-0", "job-1", "job-2"), created.stream().sorted().toList(),
                    "round " + round + ": each schedule created once");
            assertEquals(List.of("orphan-a", "orphan-b"), deleted.stream().sorted().toList(),
                    "round " + round + ": each orphan deleted once");
            assertTrue(answered("POST", "ConflictException") > 0, "round " + round + ": no create met the other's");
            assertTrue(answered("DELETE", "ResourceNotFoundException") > 0, "round " + round
                    + ": no delete met the other's");
            assertGroupHolds(expected);
        }
    }

    /** How many {@code method} calls Scheduler (through WireMock) answered with this error. */
    private static long answered(String method, String error) {
        return wireMock.getAllServeEvents().stream().filter(e -> e.getRequest().getMethod().getName().equals(method)
                && e.getResponse().getBodyAsString().contains(error)).count();
    }

    @Test
    void aThrottlingOrFailingSchedulerFailsThePassRetryablyAndTheNextPassFinishes() {
        putJob("invoices", "{\"expression\": \"rate(6 hours)\"}");
        passWithoutFailures(direct());
        putJob("invoices", "{\"expression\": \"rate(12 hours)\"}");
        putJob("orders", "{\"expression\": \"cron(0 2 * * ? *)\"}");
        putJob("customers", "{\"expression\": \"rate(1 day)\"}");
        // orders' create is throttled, invoices' update meets a server error; customers goes through
        wireMock.stubFor(post(urlEqualTo("/schedules/orders")).atPriority(1).willReturn(schedulerError(429,
                "ThrottlingException", "Rate exceeded")));
        wireMock.stubFor(put(urlEqualTo("/schedules/invoices")).atPriority(1).willReturn(schedulerError(500,
                "InternalServerException", "Unexpected error")));
        ScheduleSync failing = sync(throughWireMock());

        ScheduleSync.Report report = failing.sync();
        assertEquals(Set.of("orders", "invoices"), report.failed().keySet());
        assertTrue(report.failed().get("orders").contains("Rate exceeded"), report.failed().toString());
        assertTrue(report.failed().get("invoices").contains("Unexpected error"), report.failed().toString());
        assertEquals(List.of("customers"), report.created(), "the other job is synced");
        assertEquals(3, wireMock.findAll(postRequestedFor(urlEqualTo("/schedules/orders"))).size(),
                "the SDK retried the throttled call before giving up");
        assertEquals(3, wireMock.findAll(putRequestedFor(urlEqualTo("/schedules/invoices"))).size(),
                "the SDK retried the failed call before giving up");
        LoggedContext context = new LoggedContext("schedule-sync");
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> handle(failing, "{}", context),
                "the invocation fails, so Lambda retries it");
        assertTrue(failed.getMessage().contains("orders") && failed.getMessage().contains("invoices"),
                failed.getMessage());
        assertTrue(LoggedLines.logLines(context.lines()).stream().anyMatch(
                l -> "FAILED".equals(l.getString("outcome", null)) && "orders".equals(l.getString("job", null))
                && l.getString("message").startsWith("schedule sync FAILED job=orders")), context.lines().toString());

        wireMock.resetAll();
        wireMock.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));
        ScheduleSync.Report next = passWithoutFailures(failing);
        assertEquals(List.of("orders"), next.created());
        assertEquals(List.of("invoices"), next.updated());
        assertGroupHolds(Map.of("orders", new Expected("cron(0 2 * * ? *)", "UTC", null, true),
                "invoices", new Expected("rate(12 hours)", "UTC", null, true),
                "customers", new Expected("rate(1 day)", "UTC", null, true)));
    }

    /** An error as Scheduler's REST-JSON API answers it. */
    private static ResponseDefinitionBuilder schedulerError(int status, String type, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withHeader("x-amzn-ErrorType", type).withBody("{\"Message\":\"" + message + "\"}");
    }

    @Test
    void anSsmErrorDeletesNothingEvenHalfwayThroughTheListing() {
        Map<String, Expected> expected = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {  // two pages: SSM answers GetParametersByPath 10 at a time
            putJob("job-" + i, "{\"expression\": \"rate(" + (i + 2) + " hours)\"}");
            expected.put("job-" + i, new Expected("rate(" + (i + 2) + " hours)", "UTC", null, true));
        }
        passWithoutFailures(direct());
        ssm.deleteParameter(r -> r.name(PREFIX + "/jobs/job-0"));
        ssm.deleteParameter(r -> r.name(PREFIX + "/jobs/job-11"));

        // The first page goes through, then SSM fails (also on the SDK's retries).
        wireMock.stubFor(post(anyUrl()).atPriority(1).withHeader("X-Amz-Target", equalTo(GET_PARAMETERS_BY_PATH))
                .inScenario("ssm").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("failing")
                .willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));
        wireMock.stubFor(post(anyUrl()).atPriority(1).withHeader("X-Amz-Target", equalTo(GET_PARAMETERS_BY_PATH))
                .inScenario("ssm").whenScenarioStateIs("failing").willReturn(aResponse().withStatus(500)
                        .withHeader("Content-Type", "application/x-amz-json-1.1")
                        .withBody("{\"__type\":\"InternalServerError\",\"message\":\"We encountered an error\"}")));
        SdkException e = assertThrows(SdkException.class, () -> sync(throughWireMock()).sync());
        assertNotNull(e.getMessage());
        assertGroupHolds(expected);

        wireMock.resetAll();
        wireMock.stubFor(any(anyUrl()).willReturn(aResponse().proxiedFrom(MOTO.endpoint().toString())));
        assertEquals(Set.of("job-0", "job-11"), Set.copyOf(passWithoutFailures(sync(throughWireMock())).deleted()),
                "once SSM answers, the next pass deletes what its definitions no longer name");
    }

    @Test
    void anInvalidDefinitionKeepsItsScheduleAndIsLoggedWithTheFieldAndCounted() throws IOException {
        putJob("orders", "{\"expression\": \"cron(0 2 * * ? *)\"}");
        putJob("invoices", "{\"expression\": \"rate(6 hours)\"}");
        ScheduleSync sync = direct();
        passWithoutFailures(sync);

        putJob("orders", "{\"expression\": \"cron(0 24 * * ? *)\"}");
        ExampleAccount.put(ssm, PREFIX + "/jobs/invoices", JsonDocuments.JSON.createObjectBuilder(exampleJob)
                .add("schedule", JsonDocuments.read("{\"expression\": \"rate(1 day)\"}"))
                .add("cluster", JsonDocuments.read("{\"core\": {\"count\": \"two\"}}")).build().toString());
        LoggedContext context = new LoggedContext("schedule-sync");
        Map<String, Object> answer = handle(sync, "", context);

        assertEquals(List.of(), answer.get("updated"));
        Map<?, ?> invalid = (Map<?, ?>) answer.get("invalid");
        assertEquals(Set.of("orders", "invoices"), invalid.keySet());
        assertTrue(((String) invalid.get("orders")).contains("schedule.expression"), invalid.toString());
        assertTrue(((String) invalid.get("invoices")).contains("cluster.core.count"), invalid.toString());
        assertGroupHolds(Map.of("orders", new Expected("cron(0 2 * * ? *)", "UTC", null, true),
                "invoices", new Expected("rate(6 hours)", "UTC", null, true)));
        List<JsonObject> lines = LoggedLines.logLines(context.lines());
        assertTrue(lines.stream().anyMatch(l -> "orders".equals(l.getString("job", null))
                && "INVALID".equals(l.getString("outcome", null)) && l.getString("message").contains("job 'orders'")
                && l.getString("message").contains("schedule.expression") && l.getString("message").contains("kept")),
                context.lines().toString());
        assertTrue(lines.stream().anyMatch(l -> "periodic".equals(l.getString("trigger", null))
                && l.getInt("invalid") == 2 && l.getInt("failed") == 0), "the summary: " + context.lines());
        JsonObject metrics = LoggedLines.metricLines(context.lines()).get(0);
        assertEquals(2, metrics.getInt("InvalidJobDefinitions"));
        assertEquals(ExampleAccount.STACK, metrics.getString("Stack"));
    }

    @Test
    void eachJobsFreshnessFollowsItsDefinition() {
        Ledger ledger = new Ledger(MOTO.clients().s3(), ExampleAccount.LEDGER_BUCKET);
        putJob("orders", "{\"expression\": \"cron(0 2 * * ? *)\"}");
        putJob("invoices", "{\"expression\": \"rate(6 hours)\", \"enabled\": false}");
        putJob("adhoc", null);
        ScheduleSync sync = direct();
        assertEquals(List.of("orders"), passWithoutFailures(sync).freshness());
        JobFreshness orders = ledger.freshness("orders").orElseThrow();
        assertEquals(2880, orders.maxAgeMinutes(), "twice the daily schedule's gap");
        assertTrue(orders.derived());
        assertEquals(List.of("orders"), ledger.freshJobs(), "a paused or on-demand job is never stale");

        assertEquals(List.of(), passWithoutFailures(sync).freshness(), "unchanged, not rewritten");
        ExampleAccount.put(ssm, PREFIX + "/jobs/adhoc", JsonDocuments.JSON.createObjectBuilder(exampleJob)
                .remove("schedule").add("freshness", JsonDocuments.read("{\"maxAgeMinutes\": 90}")).build().toString());
        putJob("orders", "{\"expression\": \"rate(1 hour)\"}");
        assertEquals(Set.of("orders", "adhoc"), Set.copyOf(passWithoutFailures(sync).freshness()));
        assertEquals(120, ledger.freshness("orders").orElseThrow().maxAgeMinutes());
        assertEquals(orders.since(), ledger.freshness("orders").orElseThrow().since(), "held since the first time");
        assertEquals(new JobFreshness("adhoc", 90, false, ledger.freshness("adhoc").orElseThrow().since()),
                ledger.freshness("adhoc").orElseThrow());

        putJob("orders", "{\"expression\": \"cron(0 24 * * ? *)\"}");
        passWithoutFailures(sync);
        assertEquals(120, ledger.freshness("orders").orElseThrow().maxAgeMinutes(), "an invalid definition keeps it");
        ssm.deleteParameter(r -> r.name(PREFIX + "/jobs/orders"));
        ssm.deleteParameter(r -> r.name(PREFIX + "/jobs/adhoc"));
        assertEquals(Set.of("orders", "adhoc"), Set.copyOf(passWithoutFailures(sync).freshness()));
        assertEquals(List.of(), ledger.freshJobs());
    }

    /** The handler's answer to {@code event}, with {@code sync} behind it. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> handle(ScheduleSync sync, String event, LoggedContext context) {
        ScheduleSyncHandler handler = new ScheduleSyncHandler(new ScheduleSyncWiring(sync, ExampleAccount.STACK),
                Clock.systemUTC());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, context);
        return (Map<String, Object>) JsonDocuments.plain(JsonDocuments.read(out.toString(StandardCharsets.UTF_8)));
    }
}
