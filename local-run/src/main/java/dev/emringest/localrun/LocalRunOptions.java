package dev.emringest.localrun;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The local run's command line: {@code REPO [--job FILE] [--jdbc-url URL] [--fail]}.
 *
 * @param job     a job definition to run instead of {@code examples/jobs/orders.json}; its file name is the job's name
 * @param jdbcUrl a database to read instead of the example one started here (its password in
 *                {@value #PASSWORD_VARIABLE}); the definition's username is kept
 * @param fail    add a table the database does not have to the job, so the run shows a table failing while the
 *                others are written and recorded
 */
public record LocalRunOptions(Path repo, Path job, String jdbcUrl, boolean fail) {

    public static final String PASSWORD_VARIABLE = "EMR_INGEST_DB_PASSWORD";
    /** The table {@code --fail} adds to the job. */
    static final String MISSING_TABLE = "no_such_table";
    static final String USAGE = "usage: LocalRun REPO [--job FILE.json] [--jdbc-url jdbc:mysql://HOST:PORT/DB] [--fail]"
            + " (with --jdbc-url the password comes from " + PASSWORD_VARIABLE + ")";

    public static LocalRunOptions parse(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException(USAGE);
        }
        Path repo = Path.of(args[0]);
        Path job = null;
        String jdbcUrl = null;
        boolean fail = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--fail" -> fail = true;
                case "--job", "--jdbc-url" -> {
                    if (i + 1 >= args.length || args[i + 1].isBlank()) {
                        throw new IllegalArgumentException("option " + args[i] + " needs a value; " + USAGE);
                    }
                    String value = args[++i];
                    if (args[i - 1].equals("--job")) {
                        job = Path.of(value).toAbsolutePath();
                        if (!Files.isRegularFile(job)) {
                            throw new IllegalArgumentException("option --job: no file " + job);
                        }
                    } else {
                        if (!value.startsWith("jdbc:mysql://")
                                || value.matches("(?i).*[?&;](user|password[0-9]?)=.*")) {
                            // Not echoed: such a URL may carry a password.
                            throw new IllegalArgumentException("option --jdbc-url must be a jdbc:mysql:// URL without"
                                    + " user or password options (the password goes in " + PASSWORD_VARIABLE + ")");
                        }
                        jdbcUrl = value;
                    }
                }
                case "" -> { } // an empty local.args
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'; " + USAGE);
            }
        }
        return new LocalRunOptions(repo, job, jdbcUrl, fail);
    }
}
