package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.ledger.InMemoryLedgerBucket;
import dev.emringest.ledger.JobState;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A {@link LaunchService} over an in-memory ledger and fake SSM and EMR clients: the launch protocol's decisions,
 * tested in milliseconds. The servers' side of the same protocol is in LauncherIT, LaunchFaultsIT and
 * ConcurrentLaunchIT.
 */
final class LaunchFixture {

    static final String STACK = "emr-ingest";
    static final String PREFIX = "/emr-ingest";
    static final LauncherSettings SETTINGS = new LauncherSettings(STACK, "eu-west-1", PREFIX, "ledger-bucket",
            "cluster-bucket", "svc-role", "instance-profile", List.of(), null, List.of("shop"), List.of());
    static final ClusterAssets.Published ASSETS = new ClusterAssets.Published("s3://cluster-bucket/a/bootstrap.sh",
            "s3://cluster-bucket/a/install-trust-store.sh", "s3://cluster-bucket/a/rds-global-bundle.pem",
            "s3://cluster-bucket/a/sqoop-import.sh", "s3://cluster-bucket/a/spark-jdbc-import.sh",
            "s3://cluster-bucket/a/spark-job.jar", "s3://cluster-bucket/a/mysql-connector-j.jar");
    /** Two incremental tables: one by time with a minute's lag, one by key. */
    static final String INCREMENTAL_JOB = """
            {"source": {"jdbcUrl": "jdbc:mysql://shop-db.internal:3306/shop", "username": "ingest",
              "passwordParameter": "/emr-ingest/secrets/shop-db",
              "tables": [
                {"name": "orders", "splitBy": "id",
                 "incremental": {"column": "updated_at", "mode": "lastmodified", "lagSeconds": 60}},
                {"name": "events", "splitBy": "id", "incremental": {"column": "id", "mode": "append"}}]},
             "target": {"s3Uri": "s3://example-lake/raw/shop", "format": "parquet"}}""";

    final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T02:00:00Z"));
    final Ledger ledger = new Ledger(new InMemoryLedgerBucket(clock));
    final FakeSsm ssm = new FakeSsm();
    final FakeEmr emr = new FakeEmr();
    final LaunchService service = new LaunchService(new JobDefinitionStore(ssm, PREFIX), ledger, () -> emr, emr,
            () -> ASSETS, SETTINGS, clock);

    LaunchFixture() {
        ssm.put(PREFIX + "/defaults", example("defaults.json"));
        job("orders", example("jobs/orders.json"));
        job("shop", INCREMENTAL_JOB);
    }

    static String example(String name) {
        try {
            return Files.readString(Path.of("../../examples").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void job(String name, String json) {
        ssm.put(PREFIX + "/jobs/" + name, json);
    }

    LaunchService.Result launch(String job, String runKey) {
        return service.launch(new LaunchRequest(job, runKey));
    }

    /** A schedule firing at {@code time}: its run key is the time. */
    LaunchService.Result fire(String job, Instant time) {
        return service.launch(LaunchRequest.fromSchedule(Map.of("job", job, "scheduledTime", time.toString())));
    }

    RunRecord record(String job, String runKey) {
        return ledger.read(job, runKey).map(Versioned::value).orElseThrow();
    }

    boolean recorded(String job, String runKey) {
        return ledger.read(job, runKey).isPresent();
    }

    JobState state(String job) {
        return ledger.readState(job).map(Versioned::value).orElseThrow();
    }

    /** A claim written by another attempt, now. */
    void claimedElsewhere(String job, String runKey) {
        ledger.claim(RunRecord.claim(job, runKey, UUID.randomUUID().toString(), run(job, runKey).clusterName(),
                "jobs/" + job + "@1", clock.instant()));
    }

    void ended(String job, String runKey, dev.emringest.ledger.RunState state) {
        ledger.update(job, runKey, r -> r.ended(state, r.steps(), null, clock.instant()));
    }

    static RunIdentity run(String job, String runKey) {
        return RunIdentity.of(STACK, job, runKey);
    }

    /** The arguments of the RunJobFlow request's {@code index}th step. */
    List<String> stepArgs(int request, int index) {
        return emr.runJobFlows.get(request).steps().get(index).hadoopJarStep().args();
    }
}
