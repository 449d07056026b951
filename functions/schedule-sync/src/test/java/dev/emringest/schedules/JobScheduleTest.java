package dev.emringest.schedules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionParser;
import dev.emringest.json.JsonDocuments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.scheduler.model.ActionAfterCompletion;
import software.amazon.awssdk.services.scheduler.model.CreateScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import software.amazon.awssdk.services.scheduler.model.ScheduleState;
import software.amazon.awssdk.services.scheduler.model.UpdateScheduleRequest;

/** The schedule a definition asks for, the requests that write it, and when the group's copy differs. Pure. */
class JobScheduleTest {

    private static final JobSchedule.Destination TO = new JobSchedule.Destination(
            "arn:aws:lambda:us-east-1:123456789012:function:s-schedule-launch:live",
            "arn:aws:iam::123456789012:role/s-JobSchedulerRole", "arn:aws:sqs:us-east-1:123456789012:s-trigger-dlq");

    private static JobDefinition definition(String schedule) throws IOException {
        String job = JsonDocuments.JSON.createObjectBuilder(JsonDocuments.read(
                        Files.readString(Path.of("../../examples/jobs/orders.json"))).asJsonObject())
                .add("schedule", JsonDocuments.read(schedule)).build().toString();
        return new JobDefinitionParser("/emr-ingest").parse("orders",
                Files.readString(Path.of("../../examples/defaults.json")), job, "v1");
    }

    private static GetScheduleResponse held(JobSchedule s) {
        CreateScheduleRequest c = s.create("g");
        return GetScheduleResponse.builder().name(c.name()).groupName(c.groupName()).description(c.description())
                .scheduleExpression(c.scheduleExpression()).scheduleExpressionTimezone(c.scheduleExpressionTimezone())
                .state(c.state()).flexibleTimeWindow(c.flexibleTimeWindow()).target(c.target())
                .actionAfterCompletion(c.actionAfterCompletion()).build();
    }

    @Test
    void aDefinitionsScheduleBecomesTheWholeSchedule() throws IOException {
        JobSchedule s = JobSchedule.of(definition("{\"expression\": \"cron(0 2 * * ? *)\", \"timezone\":"
                + " \"Europe/Berlin\", \"flexibleWindowMinutes\": 20, \"enabled\": false}"), TO);
        CreateScheduleRequest create = s.create("g");
        assertEquals("g", create.groupName());
        assertEquals("orders", create.name());
        assertEquals("cron(0 2 * * ? *)", create.scheduleExpression());
        assertEquals("Europe/Berlin", create.scheduleExpressionTimezone());
        assertEquals(ScheduleState.DISABLED, create.state());
        assertEquals(FlexibleTimeWindowMode.FLEXIBLE, create.flexibleTimeWindow().mode());
        assertEquals(20, create.flexibleTimeWindow().maximumWindowInMinutes());
        assertEquals(TO.launcherArn(), create.target().arn());
        assertEquals(TO.roleArn(), create.target().roleArn());
        assertEquals("{\"job\":\"orders\",\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}",
                create.target().input());
        assertEquals(3, create.target().retryPolicy().maximumRetryAttempts());
        assertEquals(3600, create.target().retryPolicy().maximumEventAgeInSeconds());
        assertEquals(TO.deadLetterArn(), create.target().deadLetterConfig().arn());
        assertEquals(ActionAfterCompletion.NONE, create.actionAfterCompletion());

        // UpdateSchedule resets what it is not given: the update carries every field the create does.
        UpdateScheduleRequest update = s.update("g");
        assertEquals(create.toBuilder().clientToken(null).build().toString().replace("CreateScheduleRequest", ""),
                update.toBuilder().clientToken(null).build().toString().replace("UpdateScheduleRequest", ""));
    }

    @Test
    void withoutAWindowOrATimeZoneTheScheduleIsExactAndInUtc() throws IOException {
        CreateScheduleRequest create = JobSchedule.of(definition("{\"expression\": \"rate(1 hour)\"}"), TO).create("g");
        assertEquals(FlexibleTimeWindowMode.OFF, create.flexibleTimeWindow().mode());
        assertEquals(null, create.flexibleTimeWindow().maximumWindowInMinutes());
        assertEquals("UTC", create.scheduleExpressionTimezone());
        assertEquals(ScheduleState.ENABLED, create.state());
    }

    @Test
    void anyFieldChangedInTheGroupIsADifference() throws IOException {
        JobSchedule s = JobSchedule.of(definition("{\"expression\": \"rate(1 hour)\"}"), TO);
        assertTrue(s.matches(held(s)));
        assertTrue(s.matches(held(s).toBuilder().creationDate(Instant.EPOCH).arn("arn:x").build()),
                "what Scheduler adds on its own is not compared");
        for (UnaryOperator<GetScheduleResponse.Builder> drift : java.util.List.<UnaryOperator<GetScheduleResponse.Builder>>of(
                b -> b.scheduleExpression("rate(2 hours)"),
                b -> b.scheduleExpressionTimezone("Europe/Paris"),
                b -> b.state(ScheduleState.DISABLED),
                b -> b.flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.FLEXIBLE).maximumWindowInMinutes(5)),
                b -> b.description("edited"),
                b -> b.target(held(s).target().toBuilder().input("{\"job\":\"other\"}").build()),
                b -> b.target(held(s).target().toBuilder().arn("arn:aws:lambda:us-east-1:1:function:x").build()),
                b -> b.target(held(s).target().toBuilder().roleArn("arn:aws:iam::1:role/x").build()),
                b -> b.target(held(s).target().toBuilder().retryPolicy(r -> r.maximumRetryAttempts(0)
                        .maximumEventAgeInSeconds(60)).build()),
                b -> b.target(held(s).target().toBuilder().deadLetterConfig(d -> d.arn("arn:aws:sqs:x")).build()),
                b -> b.endDate(Instant.parse("2027-01-01T00:00:00Z")),
                b -> b.startDate(Instant.parse("2026-01-01T00:00:00Z")),
                b -> b.kmsKeyArn("arn:aws:kms:us-east-1:1:key/x"))) {
            GetScheduleResponse changed = drift.apply(held(s).toBuilder()).build();
            assertFalse(s.matches(changed), changed.toString());
        }
    }
}
