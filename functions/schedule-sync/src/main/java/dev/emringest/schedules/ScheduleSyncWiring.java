package dev.emringest.schedules;

import dev.emringest.aws.AwsClients;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.ledger.Ledger;
import java.time.Clock;
import java.util.Map;

/**
 * The schedule sync's service, built once per container from the stack's environment. The handler's no-argument
 * constructor (Lambda's) comes here; the local run hands its own clients, tests build {@link ScheduleSync} directly.
 */
public record ScheduleSyncWiring(ScheduleSync sync, String stackName) {

    static ScheduleSyncWiring fromEnvironment(Map<String, String> env) {
        return create(AwsClients.fromEnvironment(env), env);
    }

    /** @param env the variables template.yaml gives the function */
    public static ScheduleSyncWiring create(AwsClients aws, Map<String, String> env) {
        JobSchedule.Destination destination = new JobSchedule.Destination(required(env, "SCHEDULE_TARGET_ARN"),
                required(env, "SCHEDULER_ROLE_ARN"), required(env, "TRIGGER_DLQ_ARN"));
        JobDefinitionStore definitions = new JobDefinitionStore(aws.ssm(), required(env, "JOB_PARAMETER_PREFIX"));
        Ledger ledger = new Ledger(aws.s3(), required(env, "LEDGER_BUCKET"));
        return new ScheduleSyncWiring(new ScheduleSync(definitions, aws.scheduler(), required(env, "SCHEDULE_GROUP"),
                destination, ledger, Clock.systemUTC()), required(env, "STACK_NAME"));
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("schedule sync environment needs " + name);
        }
        return value;
    }
}
