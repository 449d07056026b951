package dev.emringest.cluster;

import dev.emringest.local.MotoServer;
import dev.emringest.spark.IngestJob;
import dev.emringest.spark.RunArguments;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs a cluster's bootstrap actions and steps on this machine, in order, with EMR's {@code ActionOnFailure}: the
 * scripts (fetched from moto's S3) as script-runner runs them, through {@link StepRunner}'s stand-ins, and
 * command-runner's {@code spark-submit} steps in this JVM or through the spark-submit stand-in ({@link Spark}).
 *
 * <p>The one liberty taken with the arguments ({@link #localArgument}): {@code hdfs:///} is a directory under the
 * work dir ({@link #hdfsRoot}), and {@code s3://} URIs of the {@code localBuckets} are directories; everything else,
 * the cluster bucket's assets among it, stays as it is.
 *
 * <p>Work dir layout: {@code bin/} (stand-ins), {@code emr-ingest-lib/}, {@code emr-ingest-tls/}, {@code tmp/},
 * {@code hadoop-tmp/}, {@code sqoop-classes/} (the node, see {@link StepRunner}), {@code hdfs/}, {@code fetched/}
 * (scripts and jars from S3) and {@code logs/} (one file per step).
 */
public final class LocalCluster {

    /** Told about each step: the local run prints progress and sends EMR's step events from here. */
    public interface Listener {
        /** Before a step runs (never for a step cancelled). */
        default void stepStarted(ClusterSpec.Step step) {}

        /** After a step ran, and for each step cancelled (without {@link #stepStarted}). */
        default void stepEnded(StepRun run) {}
    }

    /**
     * How command-runner {@code spark-submit --class C JAR ARGS} steps run: in this JVM (tests; faster) or through
     * the spark-submit stand-in in its own JVM.
     */
    public enum Spark { IN_PROCESS, SUBMIT }

    private static final String COMMAND_RUNNER = "command-runner.jar";
    private static final String SCRIPT_RUNNER = "script-runner.jar";
    /** The one ActionOnFailure after which the steps go on; the others (and none given) cancel the later steps. */
    private static final String CONTINUE = "CONTINUE";

    private final StepRunner runner;
    private final S3Client s3;
    private final Map<String, Path> localBuckets;
    private final Spark spark;
    private final Map<String, String> sparkOverrides;
    private final Path hdfsRoot;
    private final Path logs;
    private final Path fetched;
    private int logNumber;

    /**
     * @param work               the node's directory (created if missing)
     * @param sqoopClasspathFile {@code testing/sqoop-runtime/target/sqoop.classpath}
     * @param localBuckets       buckets whose {@code s3://} URIs in step arguments become these directories
     * @param sparkOverrides     Spark settings over the cluster's spark-defaults (e.g. moto's endpoints for a catalog)
     */
    public LocalCluster(Path work, MotoServer moto, Path sqoopClasspathFile, Map<String, Path> localBuckets,
                        Spark spark, Map<String, String> sparkOverrides) {
        this.runner = new StepRunner(StepRunner.mkdirs(work), moto, sqoopClasspathFile);
        this.s3 = moto.clients().s3();
        this.localBuckets = Map.copyOf(localBuckets);
        this.spark = spark;
        this.sparkOverrides = Map.copyOf(sparkOverrides);
        this.hdfsRoot = StepRunner.mkdirs(work.resolve("hdfs"));
        this.logs = StepRunner.mkdirs(work.resolve("logs"));
        this.fetched = StepRunner.mkdirs(work.resolve("fetched"));
    }

    /** Where {@code hdfs:///} maps. */
    public Path hdfsRoot() {
        return hdfsRoot;
    }

    /** Where the bootstrap action installs the MySQL driver. */
    public Path libDir() {
        return runner.libDir();
    }

    /** Where the bootstrap action installs the TLS trust store, {@code truststore.p12} (not created until it does). */
    public Path tlsDir() {
        return runner.tlsDir();
    }

    /** The steps' {@code TMPDIR}. */
    public Path tmp() {
        return runner.tmp();
    }

    /** Every directory of the node a step may leave files in (besides {@link #hdfsRoot} and the local buckets). */
    public List<Path> scratchDirs() {
        return runner.scratchDirs();
    }

    /**
     * Runs the bootstrap actions (a failing one fails the cluster: every step {@code CANCELLED}), then each step in
     * order; a failed step whose {@code ActionOnFailure} is {@code TERMINATE_CLUSTER}, {@code TERMINATE_JOB_FLOW}
     * or {@code CANCEL_AND_WAIT} (or none) cancels every later step, {@code CONTINUE} goes on. The listener hears of
     * every step.
     */
    public ClusterRun run(ClusterSpec spec, Listener listener) {
        return run(spec, () -> bootstrap(spec), step -> step(spec, step), listener);
    }

    /** The step loop: what {@link #run(ClusterSpec, Listener)} runs with the real bootstrap and steps. */
    static ClusterRun run(ClusterSpec spec, Supplier<StepRun> bootstrap, Function<ClusterSpec.Step, StepRun> execute,
                          Listener listener) {
        StepRun installed = bootstrap.get();
        boolean cancelling = !installed.completed();
        List<StepRun> runs = new ArrayList<>();
        for (ClusterSpec.Step step : spec.steps()) {
            StepRun run;
            if (cancelling) {
                run = StepRun.cancelled(step.name());
            } else {
                listener.stepStarted(step);
                run = execute.apply(step);
                cancelling = !run.completed() && !CONTINUE.equals(step.actionOnFailure());
            }
            listener.stepEnded(run);
            runs.add(run);
        }
        return new ClusterRun(installed, runs);
    }

    /**
     * A step argument as this machine reads it: {@code hdfs:///x} is {@code x} under {@code hdfsRoot} and
     * {@code s3://BUCKET/x} of a local bucket is {@code x} under its directory (both as {@code file:} URIs);
     * anything else is unchanged.
     */
    public static String localArgument(String argument, Path hdfsRoot, Map<String, Path> localBuckets) {
        if (argument.startsWith("hdfs:///")) {
            return directoryUri(hdfsRoot) + argument.substring("hdfs:///".length());
        }
        if (argument.startsWith("s3://")) {
            String rest = argument.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            Path dir = localBuckets.get(bucket);
            if (dir != null) {
                String uri = directoryUri(dir);
                return slash < 0 ? uri.substring(0, uri.length() - 1) : uri + rest.substring(slash + 1);
            }
        }
        return argument;
    }

    /** {@code file:///...dir/}, with its final slash whether or not the directory exists yet. */
    private static String directoryUri(Path dir) {
        String uri = dir.toAbsolutePath().normalize().toUri().toString();
        return uri.endsWith("/") ? uri : uri + "/";
    }

    private List<String> local(List<String> args) {
        return args.stream().map(a -> localArgument(a, hdfsRoot, localBuckets)).toList();
    }

    private StepRun bootstrap(ClusterSpec spec) {
        Instant started = Instant.now();
        Path log = log("bootstrap");
        StringBuilder output = new StringBuilder();
        Set<String> commandLines = new HashSet<>();
        int exitCode = 0;
        for (ClusterSpec.Action action : spec.bootstrapActions()) {
            StepRunner.Result result;
            try {
                result = runner.bootstrap(fetch(action.path()), local(action.args()), log(action.name()));
            } catch (RuntimeException e) {
                result = failure(log(action.name()), "bootstrap action " + action.name() + " could not run", e);
            }
            output.append(result.output());
            commandLines.addAll(result.commandLines());
            exitCode = result.exitCode();
            if (exitCode != 0) {
                output.append("bootstrap action ").append(action.name()).append(" failed with exit code ")
                        .append(exitCode).append('\n');
                break;
            }
        }
        StepRunner.write(log, output.toString());
        return new StepRun("bootstrap", exitCode == 0 ? StepRun.COMPLETED : StepRun.FAILED, exitCode,
                output.toString(), log, commandLines, started, Instant.now());
    }

    private StepRun step(ClusterSpec spec, ClusterSpec.Step step) {
        Instant started = Instant.now();
        Path log = log(step.name());
        StepRunner.Result result;
        try {
            if (step.jar().endsWith(SCRIPT_RUNNER)) {
                result = script(spec, step, log);
            } else if (step.jar().equals(COMMAND_RUNNER)) {
                result = sparkSubmit(spec, step, log);
            } else {
                result = failed(log, "local cluster: step " + step.name() + ": only command-runner.jar and"
                        + " script-runner.jar steps run here, not " + step.jar());
            }
        } catch (RuntimeException e) {
            result = failure(log, "local cluster: step " + step.name() + " could not run", e);
        }
        return new StepRun(step.name(), result.exitCode() == 0 ? StepRun.COMPLETED : StepRun.FAILED,
                result.exitCode(), result.output(), result.log(), result.commandLines(), started, Instant.now());
    }

    /** script-runner: {@code bash SCRIPT ARGS...}, the stand-ins chosen by the script's name. */
    private StepRunner.Result script(ClusterSpec spec, ClusterSpec.Step step, Path log) {
        if (step.args().isEmpty()) {
            return failed(log, "local cluster: script-runner step " + step.name() + " names no script");
        }
        Path script = fetch(step.args().get(0));
        List<String> args = local(step.args().subList(1, step.args().size()));
        String name = script.getFileName().toString();
        if (name.startsWith("sqoop-import")) {
            return runner.sqoopStep(script, args, log);
        } else if (name.startsWith("spark-jdbc-import")) {
            return runner.sparkJdbcStep(script, args, sparkConf(spec), log);
        }
        return runner.otherScript(script, args, sparkConf(spec), log);
    }

    /** command-runner: {@code spark-submit --deploy-mode cluster --class MAIN JAR ARGS...}, nothing else. */
    private StepRunner.Result sparkSubmit(ClusterSpec spec, ClusterSpec.Step step, Path log) {
        List<String> args = step.args();
        if (args.size() < 6 || !args.subList(0, 4).equals(List.of("spark-submit", "--deploy-mode", "cluster",
                "--class"))) {
            return failed(log, "local cluster: command-runner step " + step.name() + " must be spark-submit"
                    + " --deploy-mode cluster --class MAIN JAR ARGS..., not " + args);
        }
        String main = args.get(4);
        String jar = args.get(5);
        List<String> rest = local(args.subList(6, args.size()));
        if (spark == Spark.SUBMIT) {
            String local = localArgument(jar, hdfsRoot, localBuckets);
            Path jarFile = local.startsWith("s3://") ? fetch(local)
                    : local.startsWith("file:") ? Path.of(URI.create(local)) : Path.of(local);
            return runner.sparkSubmit(main, jarFile, rest, sparkConf(spec), log);
        }
        return inProcess(main, rest, sparkConf(spec), log);
    }

    /**
     * The main class in this JVM, with the Spark settings as system properties while it runs (what a new
     * SparkSession reads) and on the session. {@link IngestJob} runs through {@link IngestJob#runAll}, which leaves
     * the session running ({@code main} stops it); the jar is this JVM's own {@code IngestJob}.
     */
    private StepRunner.Result inProcess(String main, List<String> args, Map<String, String> conf, Path log) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spark.master", StepRunner.MASTER);
        all.putAll(new TreeMap<>(StepRunner.SPARK_CONF));
        all.putAll(conf);
        Map<String, String> before = new HashMap<>();
        all.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        String ran = "local cluster: running " + main + " in this JVM\n";
        try {
            if (main.equals(IngestJob.class.getName())) {
                SparkSession.Builder builder = SparkSession.builder();
                conf.forEach(builder::config);
                IngestJob.runAll(builder.getOrCreate(), RunArguments.parse(args.toArray(String[]::new)),
                        Instant.now());
            } else {
                Class.forName(main).getMethod("main", String[].class)
                        .invoke(null, (Object) args.toArray(String[]::new));
            }
            StepRunner.write(log, ran);
            return new StepRunner.Result(0, ran, log, Set.of());
        } catch (InvocationTargetException e) {
            return failure(log, ran.strip(), e.getCause());
        } catch (Exception | LinkageError e) {
            return failure(log, ran.strip(), e);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    /** The cluster's spark-defaults under the overrides. */
    private Map<String, String> sparkConf(ClusterSpec spec) {
        Map<String, String> conf = new LinkedHashMap<>(spec.sparkDefaults());
        conf.putAll(new TreeMap<>(sparkOverrides));
        return conf;
    }

    /** An {@code s3://} object as EMR fetches it, from moto's S3, under {@code fetched/BUCKET/KEY}. */
    private Path fetch(String s3Uri) {
        if (!s3Uri.startsWith("s3://") || s3Uri.indexOf('/', "s3://".length()) < 0) {
            throw new IllegalArgumentException("not an s3://bucket/key URI: " + s3Uri);
        }
        String rest = s3Uri.substring("s3://".length());
        String bucket = rest.substring(0, rest.indexOf('/'));
        String key = rest.substring(rest.indexOf('/') + 1);
        Path local = fetched.resolve(bucket).resolve(key).normalize();
        if (!local.startsWith(fetched)) {
            throw new IllegalArgumentException("a key outside the bucket: " + s3Uri);
        }
        try {
            Files.createDirectories(local.getParent());
            Files.deleteIfExists(local);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        s3.getObject(r -> r.bucket(bucket).key(key), ResponseTransformer.toFile(local));
        return local;
    }

    /** A new log file for {@code name}: {@code logs/NNN-name.log}, NNN the first number not taken in the dir. */
    private synchronized Path log(String name) {
        String safe = name.replaceAll("[^A-Za-z0-9._-]+", "-").toLowerCase(Locale.ROOT);
        Path log;
        do {
            log = logs.resolve("%03d-%s.log".formatted(++logNumber, safe));
        } while (Files.exists(log));
        return log;
    }

    private static StepRunner.Result failed(Path log, String message) {
        StepRunner.write(log, message + "\n");
        return new StepRunner.Result(1, message + "\n", log, Set.of());
    }

    private static StepRunner.Result failure(Path log, String message, Throwable cause) {
        StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        return failed(log, message + ": " + trace.toString().stripTrailing());
    }
}
