package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinition.Importer;
import dev.emringest.jobs.JobDefinition.Incremental.Mode;
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
 * A run's steps, pure like {@link ClusterRequestBuilder}: per table, with {@code importer: sqoop} one Sqoop import
 * step then one Spark step; with {@code importer: spark-jdbc} one step that reads the table over JDBC with Spark and
 * writes the target; then the definition's extra Spark steps. Every step ends the cluster when it fails.
 */
public final class ImportSteps {

    public static final String SPARK_MAIN_CLASS = "dev.emringest.spark.IngestJob";
    /** The Spark catalog the cluster configures over the Glue Data Catalog (see {@link IcebergCluster}). */
    public static final String CATALOG = "glue_catalog";
    static final String STAGING_ROOT = "hdfs:///emr-ingest/staging/";

    private ImportSteps() {}

    /**
     * @param claimedAt the run's first claim (null: the Spark job takes the date it runs on)
     * @param window    the run's recorded window (incremental jobs), null for a job imported whole
     */
    static List<StepConfig> steps(JobDefinition definition, RunIdentity run, Instant claimedAt, RunWindow window,
                                  LauncherSettings settings, ClusterAssets.Published assets) {
        List<StepConfig> steps = new ArrayList<>();
        for (Table table : definition.source().tables()) {
            if (definition.importer() == Importer.SPARK_JDBC) {
                steps.add(sparkJdbcStep(definition, table, run, claimedAt, window, settings, assets));
            } else {
                steps.addAll(sqoopSteps(definition, table, run, claimedAt, window, settings, assets));
            }
        }
        for (JobDefinition.SparkStep extra : definition.extraSparkSteps()) {
            List<String> args = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster",
                    "--class", extra.mainClass(), extra.jar()));
            args.addAll(extra.args());
            steps.add(step(extra.name(), "command-runner.jar", args));
        }
        return steps;
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
    private static List<String> tableArgs(Table table) {
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

    /** The run's own options and the table's transform, as the Spark job takes them (after its source options). */
    private static List<String> runAndTransformArgs(Table table, RunIdentity run, Instant claimedAt) {
        List<String> args = new ArrayList<>(List.of("--run-key", run.runKey(), "--run-id", run.runId(),
                "--table", table.name()));
        if (claimedAt != null) {
            args.addAll(List.of("--ingest-date", LocalDate.ofInstant(claimedAt, ZoneOffset.UTC).toString()));
        }
        if (table.transform() != null && !table.transform().columns().isEmpty()) {
            args.addAll(List.of("--columns", String.join(",", table.transform().columns())));
        }
        if (table.transform() != null && table.transform().sql() != null) {
            args.addAll(List.of("--sql", table.transform().sql()));
        }
        return args;
    }

    private static List<StepConfig> sqoopSteps(JobDefinition definition, Table table, RunIdentity run,
                                               Instant claimedAt, RunWindow window,
                                               LauncherSettings settings, ClusterAssets.Published assets) {
        String format = definition.source().stagingFormat();
        String staging = stagingDir(run, table);
        List<String> sqoop = new ArrayList<>(List.of(assets.sqoopStep(),
                "--jdbc-url", definition.source().jdbcUrl(),
                "--username", definition.source().username(),
                "--password-parameter", definition.source().passwordParameter(),
                "--table", table.name(),
                "--target-dir", staging,
                "--format", format,
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
        List<String> spark = new ArrayList<>(List.of("spark-submit", "--deploy-mode", "cluster",
                "--class", SPARK_MAIN_CLASS, assets.sparkJob(),
                "--input", staging,
                "--input-format", format,
                "--output", output(definition, table)));
        spark.addAll(runAndTransformArgs(table, run, claimedAt));
        spark.addAll(maxKeyArgs(window, table));
        spark.addAll(tableArgs(table));
        if (keyFile != null) {
            spark.addAll(List.of("--primary-key-file", keyFile));
        }
        return List.of(step("sqoop-import " + table.name(), scriptRunner(settings), sqoop),
                step("spark-load " + table.name(), "command-runner.jar", spark));
    }

    /**
     * {@code spark-jdbc-import.sh}: stores the password from SSM in a jceks store on the master, then runs the Spark
     * job in client mode, which reads the table over JDBC ({@code splitBy} as partition column, {@code mappers}
     * partitions) and writes the target as the staged path does.
     */
    private static StepConfig sparkJdbcStep(JobDefinition definition, Table table, RunIdentity run, Instant claimedAt,
                                            RunWindow window,
                                            LauncherSettings settings, ClusterAssets.Published assets) {
        List<String> args = new ArrayList<>(List.of(assets.sparkJdbcStep(),
                "--jdbc-url", definition.source().jdbcUrl(),
                "--username", definition.source().username(),
                "--password-parameter", definition.source().passwordParameter(),
                "--job-jar", assets.sparkJob(),
                "--region", settings.region(),
                "--output", output(definition, table)));
        if (table.splitBy() != null) {
            args.addAll(List.of("--split-by", table.splitBy(), "--num-partitions", String.valueOf(table.mappers())));
        }
        if (!table.columns().isEmpty()) {
            args.addAll(List.of("--source-columns", String.join(",", table.columns())));
        }
        args.addAll(windowArgs(window, table));
        args.addAll(runAndTransformArgs(table, run, claimedAt));
        args.addAll(maxKeyArgs(window, table));
        args.addAll(tableArgs(table));
        return step("spark-jdbc-import " + table.name(), scriptRunner(settings), args);
    }

    private static StepConfig step(String name, String jar, List<String> args) {
        return StepConfig.builder().name(name).actionOnFailure(ActionOnFailure.TERMINATE_CLUSTER)
                .hadoopJarStep(h -> h.jar(jar).args(args)).build();
    }
}
