package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinition.Importer;
import dev.emringest.jobs.JobDefinition.Incremental.Mode;
import dev.emringest.jobs.JobDefinition.Source;
import dev.emringest.jobs.JobDefinition.Table;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunWindow;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.services.emr.model.ActionOnFailure;
import software.amazon.awssdk.services.emr.model.StepConfig;

/**
 * A run's steps, pure like {@link ClusterRequestBuilder}. With {@code importer: sqoop}, one Sqoop import step per
 * table (each goes on when it fails, so the other tables are imported), then one Spark application that loads every
 * staged table; with {@code importer: spark-jdbc}, one step whose Spark application reads every table over JDBC and
 * writes it; then the definition's extra Spark steps. The Spark step and the extra steps end the cluster when they
 * fail; a failed table fails the Spark step after the other tables were written.
 */
public final class ImportSteps {

    public static final String SPARK_MAIN_CLASS = "dev.emringest.spark.IngestJob";
    /** The Spark catalog the cluster configures over the Glue Data Catalog (see {@link IcebergCluster}). */
    public static final String CATALOG = "glue_catalog";
    static final String STAGING_ROOT = "hdfs:///emr-ingest/staging/";
    static final String SPARK_LOAD_STEP = "spark-load";
    static final String SPARK_JDBC_STEP = "spark-jdbc-import";

    private ImportSteps() {}

    /**
     * @param claimedAt the run's first claim (null: the Spark job takes the date it runs on)
     * @param window    the run's recorded window (incremental jobs), null for a job imported whole
     */
    static List<StepConfig> steps(JobDefinition definition, RunIdentity run, Instant claimedAt, RunWindow window,
                                  LauncherSettings settings, ClusterAssets.Published assets) {
        List<StepConfig> steps = new ArrayList<>();
        if (definition.importer() == Importer.SPARK_JDBC) {
            steps.add(sparkJdbcStep(definition, run, claimedAt, window, settings, assets));
        } else {
            for (Table table : definition.source().tables()) {
                steps.add(sqoopStep(definition, table, run, window, settings, assets));
            }
            steps.add(sparkLoadStep(definition, run, claimedAt, window, assets));
        }
        for (JobDefinition.SparkStep extra : definition.extraSparkSteps()) {
            List<String> args = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster",
                    "--class", extra.mainClass(), extra.jar()));
            args.addAll(extra.args());
            steps.add(step(extra.name(), "command-runner.jar", args, ActionOnFailure.TERMINATE_CLUSTER));
        }
        return steps;
    }

    /**
     * How many tables the Spark application works on at once: two per core instance (each table's jobs in a FAIR pool
     * of their own share the executors; while one table waits on the database or a commit, another computes), at
     * most every table. The database's own bound is the definition's {@code maxConnections}.
     */
    static int parallelTables(JobDefinition definition) {
        return Math.max(1, Math.min(definition.source().tables().size(),
                2 * Math.max(1, definition.cluster().core().count())));
    }

    static String stagingDir(RunIdentity run, Table table) {
        return STAGING_ROOT + run.runId() + "/" + table.name().toLowerCase(Locale.ROOT);
    }

    /** Each table's output in this run as the claim records it: where its manifest will be; rows come at the end. */
    static List<RunRecord.TableOutput> outputs(JobDefinition definition, RunIdentity run, Instant claimedAt) {
        return definition.source().tables().stream()
                .map(t -> new RunRecord.TableOutput(t.name(), manifest(definition, t, run, claimedAt), null,
                        t.target() == null ? null : t.target().qualifiedName(), null)).toList();
    }

    /** Where the Spark job writes this table's {@code _manifest.json} in this run (see IngestJob). */
    static String manifest(JobDefinition definition, Table table, RunIdentity run, Instant claimedAt) {
        return output(definition, table) + "/ingest_date=" + LocalDate.ofInstant(claimedAt, ZoneOffset.UTC)
                + "/_run_id=" + run.runId() + "/_manifest.json";
    }

    /**
     * The window as step options: typed values formatted here (ISO-8601 instants, decimal integers), which the step
     * scripts validate again and turn into the import's predicate themselves.
     */
    static List<String> windowArgs(RunWindow window, Table table) {
        RunWindow.TableWindow w = window == null ? null : window.tables().get(table.name());
        if (w == null) {
            return List.of();
        }
        List<String> args = new ArrayList<>(List.of("--where-column", w.column()));
        if (appended(w)) {
            if (w.above() != null) {
                args.addAll(List.of("--above-key", Long.toString(w.above())));
            }
            if (w.upTo() != null) {
                args.addAll(List.of("--up-to-key", Long.toString(w.upTo())));
            }
        } else {
            if (w.from() != null) {
                args.addAll(List.of("--lower-bound", w.from().toString()));
            }
            args.addAll(List.of("--upper-bound", w.to().toString()));
        }
        return args;
    }

    private static boolean appended(RunWindow.TableWindow w) {
        return Mode.APPEND.json().equals(w.mode());
    }

    /** For append tables the Spark job reports the highest key it read in the manifest. */
    private static List<String> maxKeyArgs(RunWindow window, Table table) {
        RunWindow.TableWindow w = window == null ? null : window.tables().get(table.name());
        return w != null && appended(w) ? List.of("--max-key-column", w.column()) : List.of();
    }

    /** A file target's table directory; for an Iceberg target only the run manifests go there, beside the tables. */
    private static String output(JobDefinition definition, Table table) {
        String root = definition.target().s3Uri().replaceAll("/+$", "");
        return table.target() == null ? root + "/" + table.name().toLowerCase(Locale.ROOT)
                : root + "/_manifests/" + table.target().database() + "/" + table.target().table();
    }

    /**
     * An Iceberg target's options: the table in the cluster's catalog, the mode, a merge's key (when named) and its
     * order column (an incremental table's column: among rows of one key the newest wins).
     */
    private static List<String> targetArgs(Table table) {
        JobDefinition.TableTarget target = table.target();
        if (target == null) {
            return List.of();
        }
        List<String> args = new ArrayList<>(List.of("--target-table", CATALOG + "." + target.qualifiedName(),
                "--mode", target.mode().json()));
        if (target.mode() == JobDefinition.TableMode.MERGE) {
            if (!target.mergeKey().isEmpty()) {
                args.addAll(List.of("--merge-key", String.join(",", target.mergeKey())));
            }
            if (table.incremental() != null) {
                args.addAll(List.of("--order-column", table.incremental().column()));
            }
        }
        return args;
    }

    /** Where a staged merge finds the source's primary key, when it needs it: the import step writes it there. */
    private static String primaryKeyFile(RunIdentity run, Table table) {
        JobDefinition.TableTarget target = table.target();
        return target != null && target.mode() == JobDefinition.TableMode.MERGE && target.mergeKey().isEmpty()
                ? stagingDir(run, table) + ".primary-key" : null;
    }

    private static String scriptRunner(LauncherSettings settings) {
        return "s3://" + settings.region() + ".elasticmapreduce/libs/script-runner/script-runner.jar";
    }

    /** The options the Spark application takes for the whole run, before its tables. */
    private static List<String> runArgs(JobDefinition definition, RunIdentity run, Instant claimedAt) {
        List<String> args = new ArrayList<>(List.of("--parallel-tables", String.valueOf(parallelTables(definition)),
                "--max-connections", String.valueOf(definition.source().maxConnections()),
                "--run-key", run.runKey(), "--run-id", run.runId()));
        if (claimedAt != null) {
            args.addAll(List.of("--ingest-date", LocalDate.ofInstant(claimedAt, ZoneOffset.UTC).toString()));
        }
        return args;
    }

    /** The table's group of the Spark application's arguments: {@code --table} first, then its output and transform. */
    private static List<String> tableArgs(JobDefinition definition, Table table) {
        List<String> args = new ArrayList<>(List.of("--table", table.name(), "--output", output(definition, table)));
        if (table.transform() != null && !table.transform().columns().isEmpty()) {
            args.addAll(List.of("--columns", String.join(",", table.transform().columns())));
        }
        if (table.transform() != null && table.transform().sql() != null) {
            args.addAll(List.of("--sql", table.transform().sql()));
        }
        return args;
    }

    /**
     * One Sqoop import into the table's staging directory. It goes on when it fails ({@code CONTINUE}): the other
     * tables are still imported, and the load step, which always follows, records the table as failed and ends the
     * cluster.
     */
    private static StepConfig sqoopStep(JobDefinition definition, Table table, RunIdentity run, RunWindow window,
                                        LauncherSettings settings, ClusterAssets.Published assets) {
        List<String> sqoop = new ArrayList<>(List.of(assets.sqoopStep()));
        sqoop.addAll(sourceArgs(definition.source()));
        sqoop.addAll(List.of("--table", table.name(),
                "--target-dir", stagingDir(run, table),
                "--format", definition.source().stagingFormat(),
                "--num-mappers", String.valueOf(table.mappers()),
                // the spark-job jar also carries StoreCredential, which puts the password in a jceks store
                "--tools-jar", assets.sparkJob(),
                "--region", settings.region()));
        if (table.splitBy() != null) {
            sqoop.addAll(List.of("--split-by", table.splitBy()));
        }
        if (!table.columns().isEmpty()) {
            sqoop.addAll(List.of("--columns", String.join(",", table.columns())));
        }
        sqoop.addAll(windowArgs(window, table));
        String keyFile = primaryKeyFile(run, table);
        if (keyFile != null) {
            sqoop.addAll(List.of("--primary-key-file", keyFile));
        }
        return step("sqoop-import " + table.name(), scriptRunner(settings), sqoop, ActionOnFailure.CONTINUE);
    }

    /** One Spark application that loads every staged table of the run into its target. */
    private static StepConfig sparkLoadStep(JobDefinition definition, RunIdentity run, Instant claimedAt,
                                            RunWindow window, ClusterAssets.Published assets) {
        List<String> spark = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster",
                "--class", SPARK_MAIN_CLASS, assets.sparkJob()));
        spark.addAll(runArgs(definition, run, claimedAt));
        String format = definition.source().stagingFormat();
        for (Table table : definition.source().tables()) {
            spark.addAll(tableArgs(definition, table));
            spark.addAll(List.of("--input", stagingDir(run, table), "--input-format", format));
            spark.addAll(maxKeyArgs(window, table));
            spark.addAll(targetArgs(table));
            String keyFile = primaryKeyFile(run, table);
            if (keyFile != null) {
                spark.addAll(List.of("--primary-key-file", keyFile));
            }
        }
        return step(SPARK_LOAD_STEP, "command-runner.jar", spark, ActionOnFailure.TERMINATE_CLUSTER);
    }

    /**
     * {@code spark-jdbc-import.sh}: stores the password from SSM in a jceks store on the master, then runs one Spark
     * application in client mode (the arguments after {@code --}), which reads every table of the run over JDBC
     * ({@code splitBy} as partition column, {@code mappers} partitions) and writes its target.
     */
    private static StepConfig sparkJdbcStep(JobDefinition definition, RunIdentity run, Instant claimedAt,
                                            RunWindow window, LauncherSettings settings,
                                            ClusterAssets.Published assets) {
        List<String> args = new ArrayList<>(List.of(assets.sparkJdbcStep()));
        args.addAll(sourceArgs(definition.source()));
        args.addAll(List.of("--job-jar", assets.sparkJob(),
                "--region", settings.region(),
                "--"));
        args.addAll(runArgs(definition, run, claimedAt));
        for (Table table : definition.source().tables()) {
            args.addAll(tableArgs(definition, table));
            if (table.splitBy() != null) {
                args.addAll(List.of("--split-by", table.splitBy(), "--num-partitions",
                        String.valueOf(table.mappers())));
            }
            if (!table.columns().isEmpty()) {
                args.addAll(List.of("--source-columns", String.join(",", table.columns())));
            }
            args.addAll(windowArgs(window, table));
            args.addAll(maxKeyArgs(window, table));
            args.addAll(targetArgs(table));
        }
        return step(SPARK_JDBC_STEP, scriptRunner(settings), args, ActionOnFailure.TERMINATE_CLUSTER);
    }

    /**
     * The source as both import steps take it: the server and user when the definition names them (else the step
     * takes them from the secret), where the password is (names only: the step reads it with the cluster's role) and
     * the TLS mode (the trust store is the bootstrap action's, at a fixed path on every node).
     */
    static List<String> sourceArgs(Source source) {
        List<String> args = new ArrayList<>();
        if (source.jdbcUrl() != null) {
            args.addAll(List.of("--jdbc-url", source.jdbcUrl()));
        }
        if (source.username() != null) {
            args.addAll(List.of("--username", source.username()));
        }
        if (source.secret() != null) {
            args.addAll(List.of("--password-secret", source.secret().id(),
                    "--password-key", source.secret().passwordKey()));
        } else {
            args.addAll(List.of("--password-parameter", source.passwordParameter()));
        }
        args.addAll(List.of("--tls-mode", source.tls().mode().json()));
        return args;
    }

    private static StepConfig step(String name, String jar, List<String> args, ActionOnFailure onFailure) {
        return StepConfig.builder().name(name).actionOnFailure(onFailure)
                .hadoopJarStep(h -> h.jar(jar).args(args)).build();
    }
}
