package dev.emringest.schedules;

import dev.emringest.jobs.JobDefinition;
import software.amazon.awssdk.services.scheduler.model.ActionAfterCompletion;
import software.amazon.awssdk.services.scheduler.model.CreateScheduleRequest;
import software.amazon.awssdk.services.scheduler.model.DeadLetterConfig;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindow;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import software.amazon.awssdk.services.scheduler.model.RetryPolicy;
import software.amazon.awssdk.services.scheduler.model.ScheduleState;
import software.amazon.awssdk.services.scheduler.model.Target;
import software.amazon.awssdk.services.scheduler.model.UpdateScheduleRequest;

/**
 * The EventBridge Scheduler schedule a job's definition asks for, whole: built from the definition and the stack's
 * destination, compared field for field with what the group holds, and always sent complete ({@code UpdateSchedule}
 * replaces every field, resetting those it is not given). Pure: no AWS calls.
 *
 * @param name the job's name: job names ({@code ^[a-z0-9][a-z0-9_-]{0,47}$}) already fit Scheduler's 64 characters of
 *     {@code [0-9a-zA-Z-_.]}, and the group is the stack's own, so nothing else needs to go in it
 */
record JobSchedule(String name, String description, String expression, String timezone, ScheduleState state,
                   FlexibleTimeWindow window, Target target) {

    /** Where every schedule of the stack delivers: the schedule launcher, invoked as the Scheduler role. */
    record Destination(String launcherArn, String roleArn, String deadLetterArn) {}

    /**
     * A firing Lambda could not take (throttled, unavailable) is retried for an hour, then parked in the trigger
     * DLQ. Errors of the launcher itself are retried by the function's own asynchronous retries.
     */
    static final RetryPolicy RETRIES = RetryPolicy.builder().maximumRetryAttempts(3).maximumEventAgeInSeconds(3600)
            .build();

    static JobSchedule of(JobDefinition definition, Destination to) {
        JobDefinition.Schedule s = definition.schedule();
        FlexibleTimeWindow window = s.flexibleWindowMinutes() == null
                ? FlexibleTimeWindow.builder().mode(FlexibleTimeWindowMode.OFF).build()
                : FlexibleTimeWindow.builder().mode(FlexibleTimeWindowMode.FLEXIBLE)
                        .maximumWindowInMinutes(s.flexibleWindowMinutes()).build();
        // The scheduled time is the same in every retry of one firing, so the launcher derives one run key from it.
        // The job name's alphabet needs no JSON escaping.
        String input = "{\"job\":\"" + definition.job() + "\",\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}";
        Target target = Target.builder().arn(to.launcherArn()).roleArn(to.roleArn()).input(input)
                .retryPolicy(RETRIES).deadLetterConfig(DeadLetterConfig.builder().arn(to.deadLetterArn()).build())
                .build();
        return new JobSchedule(definition.job(), "Launches emr-ingest job " + definition.job(), s.expression(),
                s.timezone(), s.enabled() ? ScheduleState.ENABLED : ScheduleState.DISABLED, window, target);
    }

    /**
     * Whether the group's schedule is this one. Anything set by hand that this schedule leaves unset (a start or
     * end date, a KMS key) is a difference too: the update then clears it.
     */
    boolean matches(GetScheduleResponse held) {
        return expression.equals(held.scheduleExpression())
                && timezone.equals(held.scheduleExpressionTimezone())
                && state == held.state()
                && window.equals(held.flexibleTimeWindow())
                && target.equals(held.target())
                && description.equals(held.description())
                && held.startDate() == null && held.endDate() == null && held.kmsKeyArn() == null;
    }

    CreateScheduleRequest create(String group) {
        return CreateScheduleRequest.builder().groupName(group).name(name).description(description)
                .scheduleExpression(expression).scheduleExpressionTimezone(timezone).state(state)
                .flexibleTimeWindow(window).target(target).actionAfterCompletion(ActionAfterCompletion.NONE).build();
    }

    UpdateScheduleRequest update(String group) {
        return UpdateScheduleRequest.builder().groupName(group).name(name).description(description)
                .scheduleExpression(expression).scheduleExpressionTimezone(timezone).state(state)
                .flexibleTimeWindow(window).target(target).actionAfterCompletion(ActionAfterCompletion.NONE).build();
    }
}
