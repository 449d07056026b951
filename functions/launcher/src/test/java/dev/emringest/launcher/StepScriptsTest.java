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
        List<String> optional = new ArrayList<>();
        step.optional.forEach((name, value) -> optional.addAll(List.of(name, value)));
        assertAccepted(step, step.args(optional));
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = "SQOOP")
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
    void theSparkJobsArgumentsAreNotTheScripts() {
        // After "--" nothing is read as the script's option: a value may start with "--" or be an option's name.
        List<String> args = new ArrayList<>(Step.SPARK_JDBC.args());
        args.addAll(List.of("--sql", "-- operator's note\nSELECT id FROM source", "--columns", "--table"));
        assertAccepted(Step.SPARK_JDBC, args);
    }

    @Test
    void theSparkJobsArgumentsComeAfterDashDash() {
        List<String> args = new ArrayList<>(Step.SPARK_JDBC.args());
        assertRejected(Step.SPARK_JDBC, args.subList(0, args.indexOf("--")),
                "missing '--' and the Spark job's arguments");
        assertRejected(Step.SPARK_JDBC, args.subList(0, args.indexOf("--") + 1), "no Spark job arguments after '--'");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void helpPrintsTheUsage(Step step) {
        Result result = run(step, List.of("--help"));
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().startsWith("usage: " + step.script + " [--jdbc-url URL]"), result.stderr());
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
            assertRejected(step, step.args(List.of(option), option, null), "option " + option + " requires a value");
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
            assertRejected(step, step.args(option, "--verbose"),
                    "option " + option + " requires a value, got '--verbose' (a value may not start with '--')");
        }
        // the usual mistake: a forgotten value takes the next option's name
        List<String> args = new ArrayList<>(List.of("--username"));
        args.addAll(step.args("--username", null));
        assertRejected(step, args, "option --username requires a value, got '--jdbc-url'");
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void noOptionMayBeRepeated(Step step) {
        for (String option : step.options()) {
            String value = step.required.getOrDefault(option, step.optional.getOrDefault(option, "x"));
            assertRejected(step, step.args(List.of(option, value), option, value),
                    "option " + option + " given more than once");
        }
    }

    @ParameterizedTest
    @EnumSource(Step.class)
    void everyRequiredOptionIsRequired(Step step) {
        for (String option : step.required.keySet()) {
            assertRejected(step, step.args(option, null), Step.SOURCE.getOrDefault(option,
                    "missing required option " + option));
        }
    }
}
