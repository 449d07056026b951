package dev.emringest.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The step scripts' published bytes and their rules for any option, checked in both scripts as
 * {@link PublishedStepScripts} runs them; {@link StepScriptOptionsTest} checks each option's values.
 */
class StepScriptsTest extends PublishedStepScripts {

    // --------------------------------------------------------------------------------------------- the published bytes

    @ParameterizedTest
    @EnumSource(Step.class)
    void thePublishedScriptHoldsTheSharedFileInsteadOfSourcingIt(Step step) throws IOException {
        String published = new String(bundled(step.script), StandardCharsets.UTF_8);
        String shared = Files.readString(Path.of("../../emr/steps", SHARED));
        assertTrue(published.contains(shared), step.script + " does not hold " + SHARED + " as it is in emr/steps");
        assertFalse(published.contains("/" + SHARED + "\""), step.script + " still sources " + SHARED);
        assertFalse(published.contains("shellcheck source="), step.script + " still has the shellcheck directive");
    }

    @Test
    void theSharedFileIsNotAnAsset() {
        assertNull(ClusterAssets.class.getResource("/assets/" + SHARED));
    }

    // ------------------------------------------------------------------------------------------------ accepted

    @ParameterizedTest
    @EnumSource(Step.class)
    void validOptionsPassEveryCheck(Step step) {
        List<String> args = new ArrayList<>(step.args());
        step.optional.forEach((name, value) -> args.addAll(List.of(name, value)));
        assertAccepted(step, args);
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void validWindowsPassEveryCheck(Step step) {
        assertAccepted(step, step.args("--where-column", "updated_at", "--lower-bound", "2026-11-24T02:00:00Z",
                "--upper-bound", "2026-11-25T02:00:00.123456Z"));
        assertAccepted(step, step.args("--where-column", "updated_at", "--upper-bound", "2026-11-25T02:00:00Z"));
        assertAccepted(step, step.args("--where-column", "id", "--above-key", "-9223372036854775808",
                "--up-to-key", "9223372036854775807"));
        assertAccepted(step, step.args("--where-column", "id", "--above-key", "0"));
        assertAccepted(step, step.args("--where-column", "id"));
    }

    @Test
    void freeTextMayStartWithAnSqlComment() {
        assertAccepted(Step.SPARK_JDBC, Step.SPARK_JDBC.args("--sql", "-- operator's note\nSELECT id FROM source"));
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void helpPrintsTheUsage(Step step) {
        Result result = run(step, List.of("--help"));
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("usage: " + step.script + " --jdbc-url URL"), result.stderr());
    }

    // ------------------------------------------------------------------------------------------------ any option

    @ParameterizedTest
    @EnumSource(Step.class)
    void anUnknownOptionIsRejected(Step step) {
        assertRejected(step, step.args("--password", "secret"), "unknown option '--password'");
        assertRejected(step, step.args("--table=orders", "x"), "unknown option '--table=orders'");
        assertRejected(step, List.of("orders"), "unknown option 'orders'");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void everyOptionRequiresAValue(Step step) {
        for (String option : step.options()) {
            List<String> args = new ArrayList<>(step.args(option, null));
            args.add(option);
            assertRejected(step, args, "option " + option + " requires a value");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noValueMayBeEmpty(Step step) {
        for (String option : step.options()) {
            assertRejected(step, step.args(option, ""), "option " + option + " requires a value");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noValueMayStartWithDashDash(Step step) {
        for (String option : step.options()) {
            if (!step.freeText.contains(option)) {
                assertRejected(step, step.args(option, "--verbose"),
                        "option " + option + " requires a value, got '--verbose' (a value may not start with '--')");
            }
        }
        // the usual mistake: a forgotten value takes the next option's name
        List<String> args = new ArrayList<>(List.of("--table"));
        args.addAll(step.args("--table", null));
        assertRejected(step, args, "option --table requires a value, got '--jdbc-url'");
    }

    @Test
    void freeTextMayNotBeAnOptionName() {
        assertRejected(Step.SPARK_JDBC, Step.SPARK_JDBC.args("--sql", "--table"),
                "option --sql requires a value, got the option '--table'");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noOptionMayBeRepeated(Step step) {
        for (String option : step.options()) {
            String value = step.required.getOrDefault(option, step.optional.getOrDefault(option, "x"));
            List<String> args = new ArrayList<>(step.args(option, value));
            args.addAll(List.of(option, value));
            assertRejected(step, args, "option " + option + " given more than once");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void everyRequiredOptionIsRequired(Step step) {
        for (String option : step.required.keySet()) {
            assertRejected(step, step.args(option, null), "missing required option " + option);
        }
    }
}
