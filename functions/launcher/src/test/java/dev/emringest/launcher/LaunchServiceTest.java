package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinitionException;
import dev.emringest.launcher.LaunchService.Outcome;
import dev.emringest.launcher.LaunchService.Result;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.emr.model.EmrException;

/** The launch protocol's decisions for a job imported whole, against an in-memory ledger and fake clients. */
class LaunchServiceTest {

    private static final String RUN_KEY = "2026-11-25T02:00:00Z";

    private final LaunchFixture f = new LaunchFixture();

    private static EmrException emrError(int status, String code, String message) {
        return (EmrException) EmrException.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void aFreshClaimLaunchesOneClusterNamedForTheRun() {
        Result result = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.LAUNCHED, result.outcome());
        assertEquals(LaunchFixture.run("orders", RUN_KEY).clusterName(), result.clusterName());
        assertEquals(1, f.emr.runJobFlows.size());
        assertEquals(result.clusterName(), f.emr.runJobFlows.get(0).name());
        RunRecord record = f.record("orders", RUN_KEY);
        assertEquals(RunState.LAUNCHED, record.state());
        assertEquals(result.clusterId(), record.clusterId());
        assertEquals("jobs/orders@1,defaults@1", record.definitionVersion());
    }

    @Test
    void aFreshClaimDoesNotLookForAClusterFirst() {
        f.launch("orders", RUN_KEY);
        assertEquals(0, f.emr.listings);
    }

    /** The run requested again is answered with the cluster {@code first} started, and nothing is started. */
    private void assertRequestAgainAnswers(Result first) {
        Result again = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.ALREADY_LAUNCHED, again.outcome());
        assertEquals(first.clusterId(), again.clusterId());
        assertEquals(1, f.emr.runJobFlows.size());
    }

    @Test
    void aSecondRequestForTheSameRunAnswersAlreadyLaunched() {
        assertRequestAgainAnswers(f.launch("orders", RUN_KEY));
    }

    @Test
    void differentRunKeysAreDifferentRuns() {
        Result a = f.launch("orders", "a");
        Result b = f.launch("orders", "b");
        assertEquals(Outcome.LAUNCHED, b.outcome());
        assertNotEquals(a.clusterName(), b.clusterName());
        assertEquals(2, f.emr.runJobFlows.size());
    }

    @Test
    void aRunThatEndedAfterLaunchingStillAnswersWithItsCluster() {
        Result first = f.launch("orders", RUN_KEY);
        f.ended("orders", RUN_KEY, RunState.SUCCEEDED);
        assertRequestAgainAnswers(first);
    }

    @Test
    void aRunThatEndedWithoutAClusterAnswersAlreadyEnded() {
        f.claimedElsewhere("orders", RUN_KEY);
        f.ended("orders", RUN_KEY, RunState.FAILED);
        Result result = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.ALREADY_ENDED, result.outcome());
        assertNull(result.clusterId());
        assertTrue(f.emr.runJobFlows.isEmpty());
    }

    @Test
    void aFreshClaimOfAnotherAttemptDefersTheRequest() {
        f.claimedElsewhere("orders", RUN_KEY);
        f.clock.advance(LaunchService.CLAIM_GRACE.minusSeconds(1));
        assertThrows(RunInProgressException.class, () -> f.launch("orders", RUN_KEY));
        assertTrue(f.emr.runJobFlows.isEmpty());
        assertEquals(0, f.emr.listings, "a live claim is not taken over, so EMR is not asked");
        assertEquals(RunState.CLAIMED, f.record("orders", RUN_KEY).state());
    }

    @Test
    void aStaleClaimTakenOverAdoptsTheClusterFoundByName() {
        f.claimedElsewhere("orders", RUN_KEY);
        String started = f.emr.cluster(LaunchFixture.run("orders", RUN_KEY).clusterName());
        f.emr.cluster("emr-ingest-orders-someotherrun");
        f.clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(1));
        Result result = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.ADOPTED, result.outcome());
        assertEquals(started, result.clusterId());
        assertTrue(f.emr.runJobFlows.isEmpty());
        assertEquals(started, f.record("orders", RUN_KEY).clusterId());
        assertEquals(RunState.LAUNCHED, f.record("orders", RUN_KEY).state());
    }

    @Test
    void aStaleClaimWithoutAClusterLaunchesUnderANewAttempt() {
        f.claimedElsewhere("orders", RUN_KEY);
        String before = f.record("orders", RUN_KEY).attempt();
        f.clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(1));
        Result result = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.LAUNCHED, result.outcome());
        assertEquals(1, f.emr.listings);
        assertEquals(1, f.emr.runJobFlows.size());
        assertNotEquals(before, f.record("orders", RUN_KEY).attempt());
    }

    @Test
    void aRunJobFlowTimeoutKeepsTheClaimAndIsNotRetried() {
        f.emr.rejectNext(SdkClientException.create("read timed out"));
        assertThrows(SdkClientException.class, () -> f.launch("orders", RUN_KEY));
        assertEquals(1, f.emr.runJobFlows.size());
        RunRecord record = f.record("orders", RUN_KEY);
        assertEquals(RunState.CLAIMED, record.state());
        assertNull(record.failure());
    }

    @Test
    void anEmrServerErrorKeepsTheClaim() {
        f.emr.rejectNext(emrError(500, "InternalServerError", "try later"));
        assertThrows(EmrException.class, () -> f.launch("orders", RUN_KEY));
        assertEquals(RunState.CLAIMED, f.record("orders", RUN_KEY).state());
    }

    @Test
    void throttlingKeepsTheClaim() {
        f.emr.rejectNext(emrError(400, "ThrottlingException", "Rate exceeded"));
        assertThrows(EmrException.class, () -> f.launch("orders", RUN_KEY));
        assertEquals(RunState.CLAIMED, f.record("orders", RUN_KEY).state());
    }

    @Test
    void aLostAnswerIsAdoptedByTheRetryAfterTheGracePeriod() {
        f.emr.loseNextAnswer(SdkClientException.create("connection reset"));
        assertThrows(SdkClientException.class, () -> f.launch("orders", RUN_KEY));
        assertThrows(RunInProgressException.class, () -> f.launch("orders", RUN_KEY));
        f.clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(1));
        Result retried = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.ADOPTED, retried.outcome());
        assertEquals(1, f.emr.runJobFlows.size(), "one cluster for the run, ever");
        assertEquals(f.emr.clusters.get(0).id(), retried.clusterId());
    }

    /** The run's RunJobFlow is refused as invalid, with {@code message}. */
    private void launchRefusedAsInvalid(String message) {
        f.emr.rejectNext(emrError(400, "ValidationException", message));
        assertThrows(EmrException.class, () -> f.launch("orders", RUN_KEY));
    }

    @Test
    void aValidationFailureIsLaunchFailedWithEmrsReason() {
        launchRefusedAsInvalid("The instance type is not supported");
        RunRecord record = f.record("orders", RUN_KEY);
        assertEquals(RunState.LAUNCH_FAILED, record.state());
        assertEquals("ValidationException", record.failure().code());
        assertEquals("The instance type is not supported", record.failure().message());
    }

    @Test
    void aRunThatFailedToLaunchIsLaunchedWhenRequestedAgain() {
        launchRefusedAsInvalid("bad subnet");
        Result again = f.launch("orders", RUN_KEY);
        assertEquals(Outcome.LAUNCHED, again.outcome());
        assertEquals(RunState.LAUNCHED, f.record("orders", RUN_KEY).state());
        assertNull(f.record("orders", RUN_KEY).failure());
    }

    @Test
    void anInvalidDefinitionIsLaunchFailedNamingTheField() {
        f.job("orders", LaunchFixture.example("jobs/orders.json").replace("\"mappers\": 4", "\"mappers\": 0"));
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> f.launch("orders", RUN_KEY));
        assertTrue(e.getMessage().contains("source.tables[0].mappers"), e.getMessage());
        RunRecord record = f.record("orders", RUN_KEY);
        assertEquals(RunState.LAUNCH_FAILED, record.state());
        assertEquals(RunRecord.INVALID_DEFINITION, record.failure().code());
        assertTrue(record.failure().message().contains("source.tables[0].mappers"), record.failure().message());
        assertTrue(f.emr.runJobFlows.isEmpty());
    }

    @Test
    void aMissingDefinitionIsLaunchFailedNamingTheParameter() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> f.launch("returns", RUN_KEY));
        assertTrue(e.getMessage().contains("/emr-ingest/jobs/returns"), e.getMessage());
        assertEquals(RunState.LAUNCH_FAILED, f.record("returns", RUN_KEY).state());
    }

    @Test
    void aDefinitionBrokenAfterTheLaunchDoesNotChangeTheAnswer() {
        Result first = f.launch("orders", RUN_KEY);
        f.job("orders", "{\"source\": 1}");
        assertRequestAgainAnswers(first);
        assertEquals(RunState.LAUNCHED, f.record("orders", RUN_KEY).state());
    }

    @Test
    void aBackfillWindowForAJobWithoutIncrementalTablesIsRejectedUnrecorded() {
        LaunchRequest backfill = LaunchRequest.fromSqs("{\"job\": \"orders\", \"window\": {\"from\":"
                + " \"2026-11-01T00:00:00Z\", \"to\": \"2026-11-02T00:00:00Z\"}}", "m-1");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> f.service.launch(backfill));
        assertTrue(e.getMessage().startsWith("window:"), e.getMessage());
        assertFalse(f.recorded("orders", "m-1"));
    }

    @Test
    void aRetryAfterMidnightKeepsTheClaimsIngestDate() {
        f.clock.set(Instant.parse("2026-11-25T23:59:30Z"));
        f.emr.rejectNext(SdkClientException.create("read timed out"));
        assertThrows(SdkClientException.class, () -> f.launch("orders", RUN_KEY));
        f.clock.advance(LaunchService.CLAIM_GRACE.plusSeconds(1));
        assertEquals(Outcome.LAUNCHED, f.launch("orders", RUN_KEY).outcome());
        String sparkArgs = String.join(" ", f.stepArgs(1, 2));
        assertTrue(sparkArgs.contains("--ingest-date 2026-11-25"), sparkArgs);
    }

    // ------------------------------------------------------------------------------------------ Iceberg targets

    /** An Iceberg job writing to Glue database {@code database}. */
    private static String icebergJob(String database) {
        return """
                {"source": {"jdbcUrl": "jdbc:mysql://shop-db.internal:3306/shop", "username": "ingest",
                  "passwordParameter": "/emr-ingest/secrets/shop-db", "tables": [{"name": "orders"}]},
                 "target": {"s3Uri": "s3://lake/wh", "format": "iceberg", "database": "%s", "mode": "merge"}}"""
                .formatted(database);
    }

    @Test
    void anIcebergJobOutsideTheStacksGlueDatabasesIsLaunchFailedNamingTargetDatabase() {
        f.job("sales", icebergJob("sales"));
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> f.launch("sales", RUN_KEY));
        String problem = "target.database: 'sales' is not one of this stack's Glue databases (parameter"
                + " GlueDatabases: shop)";
        assertEquals(List.of(problem), e.problems());
        RunRecord record = f.record("sales", RUN_KEY);
        assertEquals(RunState.LAUNCH_FAILED, record.state());
        assertEquals(RunRecord.INVALID_DEFINITION, record.failure().code());
        assertTrue(record.failure().message().contains(problem), record.failure().message());
        assertTrue(f.emr.runJobFlows.isEmpty(), "no cluster started");
        assertEquals(0, f.emr.listings);
    }

    @Test
    void anIcebergJobInOneOfTheStacksGlueDatabasesLaunches() {
        f.job("sales", icebergJob("shop"));
        assertEquals(Outcome.LAUNCHED, f.launch("sales", RUN_KEY).outcome());
        assertEquals(1, f.emr.runJobFlows.size());
        String spark = String.join(" ", f.stepArgs(0, 1));
        assertTrue(spark.contains("--target-table glue_catalog.shop.orders --mode merge"), spark);
        assertEquals("shop.orders", f.record("sales", RUN_KEY).tables().get(0).catalogTable());
    }

    @Test
    void theDatabaseCheckIsForIcebergJobsOnly() {
        LauncherSettings none = new LauncherSettings("s", "eu-west-1", "/emr-ingest", "l", "c", "r", "p",
                List.of(), null, List.of(), List.of());
        var parser = new dev.emringest.jobs.JobDefinitionParser("/emr-ingest");
        var iceberg = parser.parse("sales", LaunchFixture.example("defaults.json"), icebergJob("shop"), "v1");
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> none.requireRunnable(iceberg));
        assertEquals(List.of("target.database: 'shop' is not one of this stack's Glue databases"
                + " (parameter GlueDatabases: none)"), e.problems());
        none.requireRunnable(parser.parse("orders", LaunchFixture.example("defaults.json"),
                LaunchFixture.example("jobs/orders.json"), "v1"));
    }

    @Test
    void aSecretOutsideTheStacksPrefixesIsRefusedNamingItsIdBeforeAnyCluster() {
        String job = LaunchFixture.example("jobs/orders.json").replace(
                "\"passwordParameter\": \"/emr-ingest/secrets/shop-db\"", "\"secret\": {\"id\": \"%s\"}");
        var parser = new dev.emringest.jobs.JobDefinitionParser("/emr-ingest");
        LauncherSettings rds = new LauncherSettings("s", "eu-west-1", "/emr-ingest", "l", "c", "r", "p", List.of(),
                null, List.of(), List.of("rds!db-", "emr-ingest/"));
        for (String id : List.of("rds!db-0123", "emr-ingest/shop",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf")) {
            rds.requireRunnable(parser.parse("orders", LaunchFixture.example("defaults.json"), job.formatted(id), "v1"));
        }
        for (String id : List.of("rds!cluster-0123", "other/emr-ingest/shop",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-AbCdEf")) {
            var definition = parser.parse("orders", LaunchFixture.example("defaults.json"), job.formatted(id), "v1");
            JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> rds.requireRunnable(definition));
            assertEquals(List.of("source.secret.id: '" + id + "' is not under one of the secret name prefixes this"
                    + " stack's clusters may read (parameter SourceSecretPrefixes: rds!db-, emr-ingest/)"), e.problems());
        }
        f.job("orders", job.formatted("rds!db-0123"));
        assertThrows(JobDefinitionException.class, () -> f.launch("orders", RUN_KEY), "SETTINGS grant no secret");
        assertEquals(0, f.emr.runJobFlows.size());
    }

    @Test
    void aRunRefusedForItsDatabaseLaunchesOnceTheDefinitionIsFixed() {
        f.job("sales", icebergJob("sales"));
        assertThrows(JobDefinitionException.class, () -> f.launch("sales", RUN_KEY));
        f.job("sales", icebergJob("shop"));
        assertEquals(Outcome.LAUNCHED, f.launch("sales", RUN_KEY).outcome());
        assertEquals(RunState.LAUNCHED, f.record("sales", RUN_KEY).state());
    }
}
