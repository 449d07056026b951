package dev.emringest.localrun;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.emringest.aws.AwsClients;
import dev.emringest.launcher.LaunchService;
import dev.emringest.launcher.LauncherInit;
import dev.emringest.launcher.LauncherSettings;
import dev.emringest.launcher.ScheduleHandler;
import dev.emringest.ledger.Ledger;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MotoServer;
import dev.emringest.recorder.EmrEventHandler;
import dev.emringest.recorder.RecordService;
import dev.emringest.recorder.RecorderWiring;
import dev.emringest.schedules.ScheduleSyncHandler;
import dev.emringest.schedules.ScheduleSyncWiring;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.Cluster;
import software.amazon.awssdk.services.emr.model.StepSummary;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The main job, end to end, against moto server as the local AWS: seed SSM with the example job, let the schedule
 * sync create its schedule, invoke the launcher with that schedule's input, show the cluster as EMR reports it, end the cluster, hand the recorder the
 * state-change event and show the final run record from the ledger. No AWS account is involved.
 */
public final class LocalRun {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private LocalRun() {}

    public static void main(String[] args) {
        Path repo = Path.of(args.length > 0 ? args[0] : ".");
        // A fresh random password: the run proves it flows to no request, log or record without ever showing it.
        byte[] secret = new byte[12];
        new SecureRandom().nextBytes(secret);
        try (MotoServer moto = MotoServer.start()) {
            run(moto, repo, HexFormat.of().formatHex(secret), System.out);
        }
    }

    /** @return the final run record as stored in the ledger */
    public static String run(MotoServer moto, Path repo, String password, PrintStream out) {
        out.println("== local AWS: moto server at " + moto.endpoint());
        AwsClients aws = AwsClients.forEndpoint(moto.endpoint(), MotoServer.REGION, moto.credentials(),
                Duration.ofSeconds(20), Duration.ofSeconds(10));
        ExampleAccount.seed(aws, repo.resolve("examples"), password);
        out.println("== seeded SSM " + ExampleAccount.PREFIX + "/defaults, " + ExampleAccount.PREFIX
                + "/jobs/orders and the SecureString " + ExampleAccount.PASSWORD_PARAMETER);

        out.println("\n== schedule sync <- events/parameter-store-change.json");
        invoke(new ScheduleSyncHandler(ScheduleSyncWiring.create(aws, ExampleAccount.scheduleSyncEnvironment()),
                Clock.systemUTC()), event(repo, "parameter-store-change.json"),
                new LoggedContext("ScheduleSyncFunction", out::println));
        GetScheduleResponse schedule = aws.scheduler().getSchedule(r -> r.groupName(ExampleAccount.SCHEDULE_GROUP)
                .name("orders"));
        printSchedule(schedule, out);

        // What Scheduler sends at a firing: the schedule's input with the scheduled time filled in.
        Map<String, Object> firing = event(repo, "schedule-scheduler.json");
        LaunchService launches = LauncherInit.create(aws,
                LauncherSettings.fromEnvironment(ExampleAccount.launcherEnvironment()), Clock.systemUTC());
        out.println("\n== launcher <- the schedule's input at its firing of " + firing.get("scheduledTime")
                + " (events/schedule-scheduler.json)");
        Map<String, Object> launched = invoke(new ScheduleHandler(launches, ExampleAccount.STACK), JSON.readValue(schedule.target().input()
                .replace("<aws.scheduler.scheduled-time>", (String) firing.get("scheduledTime")), LinkedHashMap.class),
                new LoggedContext("ScheduleLaunchFunction", out::println));
        String clusterId = (String) launched.get("clusterId");

        EmrClient emr = aws.emr();
        out.println("\n== the cluster as EMR reports it");
        printCluster(emr, clusterId, out);

        emr.terminateJobFlows(r -> r.jobFlowIds(clusterId));
        Cluster ended = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        out.println("\n== TerminateJobFlows " + clusterId + " -> " + ended.status().stateAsString());

        Map<String, Object> stateChange = event(repo, "emr-cluster-terminated-completed.json");
        @SuppressWarnings("unchecked")
        Map<String, Object> detail = new LinkedHashMap<>((Map<String, Object>) stateChange.get("detail"));
        detail.put("clusterId", clusterId);
        detail.put("name", ended.name());
        detail.put("state", ended.status().stateAsString());
        detail.put("stateChangeReason", "{\"code\":\"USER_REQUEST\",\"message\":\"Terminated by user request\"}");
        stateChange.put("detail", detail);
        out.println("\n== recorder <- EMR Cluster State Change (" + detail.get("state") + ", USER_REQUEST)");
        RecordService records = RecorderWiring.create(aws, ExampleAccount.recorderEnvironment(), Clock.systemUTC(),
                out::println).records();
        invoke(new EmrEventHandler(records), stateChange, new LoggedContext("RecorderFunction", out::println));

        String key = Ledger.recordKey((String) launched.get("job"), (String) launched.get("runKey"));
        String record = aws.s3().getObjectAsBytes(r -> r.bucket(ExampleAccount.LEDGER_BUCKET).key(key))
                .asString(StandardCharsets.UTF_8);
        out.println("\n== final run record s3://" + ExampleAccount.LEDGER_BUCKET + "/" + key);
        out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(record)));
        out.println("(moto never runs steps, so ending the cluster by hand makes this run FAILED with USER_REQUEST;"
                + " on EMR the steps complete and the record says SUCCEEDED)");
        return record;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> event(Path repo, String file) {
        return JSON.readValue(repo.resolve("events").resolve(file).toFile(), LinkedHashMap.class);
    }

    /** The event through the handler as JSON, as Lambda hands it over; the handler's JSON answer. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> invoke(RequestStreamHandler handler, Map<String, Object> event, Context context) {
        java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        try {
            handler.handleRequest(new java.io.ByteArrayInputStream(JSON.writeValueAsBytes(event)), answer, context);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return JSON.readValue(answer.toByteArray(), LinkedHashMap.class);
    }

    private static void printSchedule(GetScheduleResponse s, PrintStream out) {
        out.println("\n== the job's schedule as EventBridge Scheduler holds it");
        out.println("group/name    " + s.groupName() + "/" + s.name());
        out.println("expression    " + s.scheduleExpression() + " in " + s.scheduleExpressionTimezone() + ", "
                + s.stateAsString() + ", flexible window " + s.flexibleTimeWindow().modeAsString());
        out.println("target        " + s.target().arn());
        out.println("input         " + s.target().input());
        out.println("retries       " + s.target().retryPolicy().maximumRetryAttempts() + " within "
                + s.target().retryPolicy().maximumEventAgeInSeconds() + " s, then " + s.target().deadLetterConfig().arn());
    }

    private static void printCluster(EmrClient emr, String clusterId, PrintStream out) {
        Cluster c = emr.describeCluster(r -> r.clusterId(clusterId)).cluster();
        out.println("id            " + c.id());
        out.println("name          " + c.name());
        out.println("state         " + c.status().stateAsString());
        out.println("release       " + c.releaseLabel());
        out.println("applications  " + c.applications().stream().map(a -> a.name()).toList());
        out.println("auto-terminate " + c.autoTerminate());
        out.println("tags          " + c.tags().stream().map(t -> t.key() + "=" + t.value()).toList());
        out.println("instances     " + instances(emr, c));
        out.println("bootstrap     ");
        emr.listBootstrapActions(r -> r.clusterId(clusterId)).bootstrapActions()
                .forEach(b -> out.println("  " + b.name() + ": " + b.scriptPath() + " " + b.args()));
        out.println("steps");
        List<StepSummary> steps = new ArrayList<>(emr.listStepsPaginator(r -> r.clusterId(clusterId)).steps().stream().toList());
        Collections.reverse(steps);
        for (StepSummary s : steps) {
            out.println("  " + s.name() + " [" + s.status().stateAsString() + ", on failure "
                    + s.actionOnFailureAsString() + "]");
            out.println("    " + s.config().jar() + " " + s.config().args());
        }
    }

    private static String instances(EmrClient emr, Cluster c) {
        if ("INSTANCE_FLEET".equals(c.instanceCollectionTypeAsString())) {
            return emr.listInstanceFleets(r -> r.clusterId(c.id())).instanceFleets().stream()
                    .map(f -> f.instanceFleetTypeAsString() + " on-demand " + f.targetOnDemandCapacity() + " spot "
                            + f.targetSpotCapacity() + " of " + f.instanceTypeSpecifications().stream()
                            .map(t -> t.instanceType()).toList())
                    .toList().toString();
        }
        return emr.listInstanceGroups(r -> r.clusterId(c.id())).instanceGroups().stream()
                .map(g -> g.instanceGroupTypeAsString() + " " + g.requestedInstanceCount() + " x " + g.instanceType()
                        + " " + g.marketAsString())
                .toList().toString();
    }
}
