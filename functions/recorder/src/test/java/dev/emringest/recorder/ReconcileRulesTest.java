package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.recorder.ReconcileRules.Adopt;
import dev.emringest.recorder.ReconcileRules.Close;
import dev.emringest.recorder.ReconcileRules.FailLaunch;
import dev.emringest.recorder.ReconcileRules.Finalise;
import dev.emringest.recorder.ReconcileRules.Question;
import dev.emringest.recorder.ReconcileRules.Seen;
import dev.emringest.recorder.ReconcileRules.Unchanged;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.emr.model.ClusterState;

/** The reconcile's decision per open run: values in, a decision out; no ledger, no EMR. */
class ReconcileRulesTest {

    private static final ReconcileRules RULES = new ReconcileRules(Duration.ofMinutes(45));
    private static final Instant CLAIMED = Instant.parse("2026-11-25T02:00:00Z");
    private static final Instant YOUNG = CLAIMED.plus(Duration.ofMinutes(44));
    private static final Instant OLD = CLAIMED.plus(Duration.ofMinutes(46));
    private static final Ledger.OpenRun ENTRY = new Ledger.OpenRun("orders", "k1", CLAIMED);
    private static final RunRecord CLAIM = RunRecord.claim("orders", "k1", "a1", "stack-orders-abc", "v1", CLAIMED);
    private static final RunRecord LAUNCHED = CLAIM.launched("j-1", CLAIMED.plusSeconds(5));

    @Test
    void anIndexEntryWithoutARecordIsClosedOnceItsClaimCannotFollowAnyMore() {
        assertEquals(Question.NONE, RULES.question(null, OLD), "the ledger alone decides");
        assertInstanceOf(Unchanged.class, RULES.decide(ENTRY, null, Optional.empty(), YOUNG));
        assertInstanceOf(Close.class, RULES.decide(ENTRY, null, Optional.empty(), OLD));
    }

    @Test
    void theGraceEndsStrictlyAfterItsLength() {
        Instant exactly = CLAIMED.plus(Duration.ofMinutes(45));
        assertInstanceOf(Unchanged.class, RULES.decide(ENTRY, null, Optional.empty(), exactly));
        assertEquals(Question.NONE, RULES.question(CLAIM, exactly));
    }

    @ParameterizedTest
    @EnumSource(value = RunState.class, names = {"SUCCEEDED", "FAILED", "LAUNCH_FAILED"})
    void theIndexEntryOfAFinalRunIsClosedWithoutAskingEmrOnceItsStatesAreAnnounced(RunState state) {
        RunRecord run = LAUNCHED.ended(state, List.of(), null, YOUNG);
        assertEquals(Question.NONE, RULES.question(run, YOUNG));
        Unchanged announcing = assertInstanceOf(Unchanged.class, RULES.decide(ENTRY, run, Optional.empty(), YOUNG));
        assertTrue(announcing.why().contains("announced next"), announcing.why());

        RunRecord announced = run.withAnnounced(run.history().size());
        Close close = assertInstanceOf(Close.class, RULES.decide(ENTRY, announced, Optional.empty(), YOUNG));
        assertTrue(close.why().contains(state.name()), close.why());
    }

    @Test
    void aLaunchedRunAsksAboutItsOwnClusterWhateverItsAge() {
        assertEquals(Question.RECORDED_CLUSTER, RULES.question(LAUNCHED, YOUNG));
        assertEquals(Question.RECORDED_CLUSTER, RULES.question(LAUNCHED.running(YOUNG), OLD));
    }

    @ParameterizedTest
    @EnumSource(value = ClusterState.class, names = {"TERMINATED", "TERMINATED_WITH_ERRORS"})
    void aRunWhoseClusterEndedIsFinalised(ClusterState state) {
        assertEquals(new Finalise("j-1"), RULES.decide(ENTRY, LAUNCHED, Optional.of(new Seen("j-1", state)), YOUNG));
    }

    @ParameterizedTest
    @EnumSource(value = ClusterState.class, names = {"STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"})
    void aRunWhoseClusterIsStillActiveIsLeftAlone(ClusterState state) {
        assertInstanceOf(Unchanged.class, RULES.decide(ENTRY, LAUNCHED, Optional.of(new Seen("j-1", state)), OLD));
    }

    @Test
    void aYoungClaimIsLeftAloneWithoutAskingEmr() {
        assertEquals(Question.NONE, RULES.question(CLAIM, YOUNG));
        assertInstanceOf(Unchanged.class, RULES.decide(ENTRY, CLAIM, Optional.empty(), YOUNG));
    }

    @Test
    void aStuckClaimAsksEmrForAClusterByName() {
        assertEquals(Question.CLUSTER_BY_NAME, RULES.question(CLAIM, OLD));
    }

    @Test
    void aStuckClaimWhoseClusterRunsIsAdopted() {
        assertEquals(new Adopt("j-2", false),
                RULES.decide(ENTRY, CLAIM, Optional.of(new Seen("j-2", ClusterState.WAITING)), OLD));
    }

    @Test
    void aStuckClaimWhoseClusterEndedIsAdoptedToBeFinalised() {
        assertEquals(new Adopt("j-2", true),
                RULES.decide(ENTRY, CLAIM, Optional.of(new Seen("j-2", ClusterState.TERMINATED)), OLD));
    }

    @Test
    void aStuckClaimWithoutAClusterFailsToLaunchSayingWhereToLook() {
        FailLaunch fail = assertInstanceOf(FailLaunch.class, RULES.decide(ENTRY, CLAIM, Optional.empty(), OLD));
        assertEquals(RunRecord.NO_CLUSTER, fail.failure().code());
        assertTrue(fail.failure().message().contains("45 minutes")
                && fail.failure().message().contains("dead-letter queue"), fail.failure().message());
    }

    @Test
    void aClaimIsStuckByItsLastUpdateNotByItsIndexEntry() {
        RunRecord retaken = CLAIM.reclaimed("a2", "v2", CLAIMED.plus(Duration.ofMinutes(30)));
        assertEquals(Question.NONE, RULES.question(retaken, OLD), "taken over 16 minutes ago: still young");
    }
}
