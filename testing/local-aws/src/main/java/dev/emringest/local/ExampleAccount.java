package dev.emringest.local;

import dev.emringest.aws.AwsClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * An account laid out as a deployed stack would find it: the stack's buckets and schedule group, the job
 * definitions from {@code examples/} in SSM, and the database password as a SecureString.
 */
public final class ExampleAccount {

    public static final String STACK = "emr-ingest";
    public static final String PREFIX = "/emr-ingest";
    public static final String LEDGER_BUCKET = "emr-ingest-ledger";
    public static final String CLUSTER_BUCKET = "emr-ingest-cluster";
    public static final String PASSWORD_PARAMETER = PREFIX + "/secrets/shop-db";

    public static final String SERVICE_ROLE = STACK + "-EmrServiceRole";
    public static final String INSTANCE_PROFILE = STACK + "-EmrInstanceRole";
    /** The stack's EventBridge Scheduler group (CloudFormation names it), and what its schedules deliver to. */
    public static final String SCHEDULE_GROUP = STACK + "-JobScheduleGroup-1A2B3C4D5E6F";
    public static final String SCHEDULE_LAUNCHER_ARN =
            "arn:aws:lambda:" + MotoServer.REGION + ":123456789012:function:" + STACK + "-schedule-launch:live";
    public static final String SCHEDULER_ROLE_ARN = "arn:aws:iam::123456789012:role/" + STACK + "-JobSchedulerRole";
    public static final String TRIGGER_DLQ_ARN =
            "arn:aws:sqs:" + MotoServer.REGION + ":123456789012:" + STACK + "-TriggerDeadLetterQueue";
    public static final List<String> SUBNET_IDS = List.of("subnet-0123456789abcdef0", "subnet-0fedcba9876543210");
    /** template.yaml's default GlueDatabases. */
    public static final List<String> GLUE_DATABASES = List.of("emr_ingest");

    private ExampleAccount() {}

    /**
     * What template.yaml's {@code !Ref}s and {@code !Sub}s name in a stack deployed into this account: its pseudo
     * parameters, resources and the parameters without a default.
     */
    public static Map<String, Object> stackReferences() {
        Map<String, Object> refs = new LinkedHashMap<>();
        refs.put("AWS::StackName", STACK);
        refs.put("AWS::Region", MotoServer.REGION);
        refs.put("LedgerBucket", LEDGER_BUCKET);
        refs.put("ClusterBucket", CLUSTER_BUCKET);
        refs.put("EmrServiceRole", SERVICE_ROLE);
        refs.put("EmrInstanceProfile", INSTANCE_PROFILE);
        refs.put("SubnetIds", SUBNET_IDS);
        refs.put("GlueDatabases", GLUE_DATABASES);
        refs.put("JobScheduleGroup", SCHEDULE_GROUP);
        refs.put("ScheduleLaunchFunction.Alias", SCHEDULE_LAUNCHER_ARN);
        refs.put("JobSchedulerRole.Arn", SCHEDULER_ROLE_ARN);
        refs.put("TriggerDeadLetterQueue.Arn", TRIGGER_DLQ_ARN);
        return refs;
    }

    /** The environment template.yaml gives the launcher, for this account. */
    public static Map<String, String> launcherEnvironment() {
        Map<String, String> env = stackEnvironment();
        env.put("CLUSTER_BUCKET", CLUSTER_BUCKET);
        env.put("SERVICE_ROLE", SERVICE_ROLE);
        env.put("INSTANCE_PROFILE", INSTANCE_PROFILE);
        env.put("SUBNET_IDS", String.join(",", SUBNET_IDS));
        env.put("SECURITY_CONFIGURATION", "");
        env.put("GLUE_DATABASES", String.join(",", GLUE_DATABASES));
        // The stack's default: no Secrets Manager secret (the example's password is a SecureString).
        env.put("SOURCE_SECRET_PREFIXES", "");
        return env;
    }

    /** The environment template.yaml gives the schedule sync, for this account. */
    public static Map<String, String> scheduleSyncEnvironment() {
        Map<String, String> env = stackEnvironment();
        env.put("SCHEDULE_GROUP", SCHEDULE_GROUP);
        env.put("SCHEDULE_TARGET_ARN", SCHEDULE_LAUNCHER_ARN);
        env.put("SCHEDULER_ROLE_ARN", SCHEDULER_ROLE_ARN);
        env.put("TRIGGER_DLQ_ARN", TRIGGER_DLQ_ARN);
        return env;
    }

    /** The environment template.yaml gives the recorder and the reconcile: Lambda's region and the Globals. */
    public static Map<String, String> recorderEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("STACK_NAME", STACK);
        env.put("LEDGER_BUCKET", LEDGER_BUCKET);
        return env;
    }

    /** The recorder's environment and the job definitions' prefix. */
    private static Map<String, String> stackEnvironment() {
        Map<String, String> env = recorderEnvironment();
        env.put("JOB_PARAMETER_PREFIX", PREFIX);
        return env;
    }

    /**
     * @param examples the repository's {@code examples/} folder: {@code defaults.json} and {@code jobs/*.json}
     * @param password stored as the SecureString the example jobs name; only the cluster may read it
     */
    public static void seed(AwsClients aws, Path examples, String password) {
        S3Client s3 = aws.s3();
        s3.createBucket(r -> r.bucket(LEDGER_BUCKET));
        s3.createBucket(r -> r.bucket(CLUSTER_BUCKET));
        aws.scheduler().createScheduleGroup(r -> r.name(SCHEDULE_GROUP));
        SsmClient ssm = aws.ssm();
        put(ssm, PREFIX + "/defaults", read(examples.resolve("defaults.json")));
        try (DirectoryStream<Path> jobs = Files.newDirectoryStream(examples.resolve("jobs"), "*.json")) {
            for (Path job : jobs) {
                String name = job.getFileName().toString().replaceFirst("\\.json$", "");
                put(ssm, PREFIX + "/jobs/" + name, read(job));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ssm.putParameter(r -> r.name(PASSWORD_PARAMETER).type(ParameterType.SECURE_STRING).value(password)
                .overwrite(true));
    }

    public static void put(SsmClient ssm, String name, String value) {
        ssm.putParameter(r -> r.name(name).type(ParameterType.STRING).value(value).overwrite(true));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
