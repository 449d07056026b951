package dev.emringest.cluster;

import dev.emringest.local.MotoServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the on-cluster scripts the way EMR does (script-runner: {@code bash SCRIPT ARGS...}, each argument its own
 * element), with the scripts' documented test overrides pointing at local stand-ins:
 * <ul>
 * <li>{@code aws}: {@code aws_standin.py}, which answers {@code ssm get-parameter},
 * {@code secretsmanager get-secret-value} and {@code s3 cp} from moto;</li>
 * <li>{@code java} (bootstrap actions, {@code EMR_INGEST_JAVA}): this JDK's;</li>
 * <li>{@code sqoop}: real Sqoop 1.4.7 ({@code org.apache.sqoop.Sqoop}) in its own JVM on the classpath of
 * {@code testing/sqoop-runtime} (Hadoop 3.3.6), plus {@code HADOOP_CLASSPATH} as the real launcher adds it;</li>
 * <li>{@code hadoop}: {@code java -cp <same classpath>:$HADOOP_CLASSPATH CLASS ARGS}, as {@code hadoop CLASS} runs;</li>
 * <li>{@code EMR_INGEST_SQOOP_OPTS}: {@code -fs file:/// -jt local -D mapreduce.jobtracker.address=local}
 * (Hadoop's local job runner, with Sqoop's own local-mode split count so {@code --num-mappers} holds),
 * {@code hadoop.tmp.dir} in the work dir, {@code --bindir} on Sqoop's classpath;</li>
 * <li>{@code spark-submit} (spark-jdbc step; command-runner steps in {@link LocalCluster.Spark#SUBMIT}): a stand-in
 * that takes the options the script passes (client mode only), turns {@code --conf k=v} and {@code --master} into the system properties Spark reads its configuration
 * from, and runs the {@code --class} in its own JVM with the application jar and {@code --jars} ahead of this JVM's
 * classpath (Spark itself). Spark runs in local mode.</li>
 * </ul>
 * The node's fixed directories are under the work dir: the MySQL driver's ({@code EMR_INGEST_LIB_DIR},
 * {@link #libDir}) and the TLS trust store's ({@code EMR_INGEST_TLS_DIR}, {@link #tlsDir}), both given to the
 * bootstrap actions and to every step script.
 *
 * <p>While a step runs, a watcher reads {@code /proc/<pid>/cmdline} of every process on the machine. Each run's output
 * (stdout and stderr together) goes to the log file it is given. {@link LocalCluster} decides what runs when.
 */
public final class StepRunner {

    /** The Spark master of every Spark this runner starts. */
    public static final String MASTER = "local[2]";
    /** What every local Spark runs with, below the cluster's spark-defaults. */
    public static final Map<String, String> SPARK_CONF = Map.of("spark.ui.enabled", "false",
            "spark.sql.shuffle.partitions", "4", "spark.sql.session.timeZone", "UTC");
    /** Spark 3.5 on Java 17 needs these opens (Spark's own launcher's list), unless {@code spark.jvm.args} says. */
    private static final String SPARK_JVM_ARGS = "-XX:+IgnoreUnrecognizedVMOptions"
            + " --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED"
            + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED"
            + " --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
            + " --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
            + " --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
            + " --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED"
            + " --add-opens=java.base/sun.security.action=ALL-UNNAMED"
            + " --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false";

    /** A finished process: its exit code, its output (also in {@code log}), every command line seen meanwhile. */
    public record Result(int exitCode, String output, Path log, Set<String> commandLines) {}

    private final Path work;
    private final Path bin;
    private final Path libDir;
    private final Path tlsDir;
    private final Path tmp;
    private final Path hadoopTmp;
    private final Path bindir;
    private final MotoServer moto;

    /**
     * @param work                the node: tools, driver directory and scratch dirs go under it
     * @param sqoopClasspathFile  {@code testing/sqoop-runtime/target/sqoop.classpath}
     */
    public StepRunner(Path work, MotoServer moto, Path sqoopClasspathFile) {
        this.work = work;
        this.moto = moto;
        this.bin = mkdirs(work.resolve("bin"));
        this.libDir = work.resolve("emr-ingest-lib");
        this.tlsDir = work.resolve("emr-ingest-tls");
        this.tmp = mkdirs(work.resolve("tmp"));
        this.hadoopTmp = mkdirs(work.resolve("hadoop-tmp"));
        this.bindir = mkdirs(work.resolve("sqoop-classes"));
        String classpath = sqoopClasspath(sqoopClasspathFile);
        Path log4j = work.resolve("log4j.properties");
        write(log4j, """
                log4j.rootLogger=INFO, stderr
                log4j.appender.stderr=org.apache.log4j.ConsoleAppender
                log4j.appender.stderr.Target=System.err
                log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
                log4j.appender.stderr.layout.ConversionPattern=%d{HH:mm:ss.SSS} %p %c{1}: %m%n
                log4j.logger.org.apache.hadoop.conf.Configuration.deprecation=WARN
                log4j.logger.org.apache.hadoop.mapred.LocalJobRunner=WARN
                log4j.logger.org.apache.hadoop.mapred.Task=WARN
                log4j.logger.org.apache.hadoop.mapred.MapTask=WARN
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jvm = java + " -Xmx768m -Duser.timezone=UTC -Dlog4j.configuration=file:" + log4j;
        executable(bin.resolve("sqoop"), "#!/usr/bin/env bash\nexec " + jvm + " -cp '" + bindir + ":" + classpath
                + "'\"${HADOOP_CLASSPATH:+:$HADOOP_CLASSPATH}\" org.apache.sqoop.Sqoop \"$@\"\n");
        executable(bin.resolve("hadoop"), "#!/usr/bin/env bash\nexec " + jvm + " -cp '" + classpath
                + "'\"${HADOOP_CLASSPATH:+:$HADOOP_CLASSPATH}\" \"$@\"\n");
        sparkSubmitStandin(java, log4j);
        Path standin = bin.resolve("aws");
        try (InputStream in = StepRunner.class.getResourceAsStream("aws_standin.py")) {
            executable(standin, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the bootstrap action installs the MySQL driver ({@code EMR_INGEST_LIB_DIR}). */
    public Path libDir() {
        return libDir;
    }

    /**
     * Where the bootstrap action installs the TLS trust store, {@code truststore.p12} ({@code EMR_INGEST_TLS_DIR}); not
     * created until it does.
     */
    public Path tlsDir() {
        return tlsDir;
    }

    /** Every directory a step may leave files in. */
    public List<Path> scratchDirs() {
        return List.of(tmp, hadoopTmp, bindir, libDir);
    }

    /** The steps' {@code TMPDIR}. */
    public Path tmp() {
        return tmp;
    }

    /**
     * A bootstrap action: {@code bash SCRIPT ARGS...} with the driver and trust store directories, {@code aws s3 cp}
     * and this JDK's java.
     */
    public Result bootstrap(Path script, List<String> args, Path log) {
        return run(script(script, args), bootstrapTools(), log);
    }

    /** {@code sqoop-import.sh}: with {@code aws}, {@code hadoop} and Sqoop in Hadoop's local job runner. */
    public Result sqoopStep(Path script, List<String> args, Path log) {
        return run(script(script, args), stepTools(sqoopTools()), log);
    }

    /**
     * {@code spark-jdbc-import.sh}: with {@code aws}, {@code hadoop} and the spark-submit stand-in.
     *
     * @param sparkConf what the cluster's spark-defaults.conf would hold (values without whitespace)
     */
    public Result sparkJdbcStep(Path script, List<String> args, Map<String, String> sparkConf, Path log) {
        return run(script(script, args), stepTools(sparkTools(sparkConf)), log);
    }

    /** Any other script: with every stand-in, for whichever of them it uses. */
    public Result otherScript(Path script, List<String> args, Map<String, String> sparkConf, Path log) {
        Map<String, String> tools = new HashMap<>(sqoopTools());
        tools.putAll(sparkTools(sparkConf));
        return run(script(script, args), stepTools(tools), log);
    }

    /**
     * {@code spark-submit --class MAIN JAR ARGS...} through the stand-in (its own JVM, Spark local mode).
     *
     * @param sparkConf passed as {@code --conf}s (spark-defaults.conf)
     */
    public Result sparkSubmit(String mainClass, Path jar, List<String> args, Map<String, String> sparkConf,
                              Path log) {
        List<String> command = new ArrayList<>(List.of(bin.resolve("spark-submit").toString(), "--master", MASTER));
        sparkConf(sparkConf).forEach((k, v) -> command.addAll(List.of("--conf", k + "=" + v)));
        command.addAll(List.of("--class", mainClass, jar.toString()));
        command.addAll(args);
        return run(command, stepTools(Map.of()), log);
    }

    private static List<String> script(Path script, List<String> args) {
        List<String> command = new ArrayList<>(List.of("bash", script.toString()));
        command.addAll(args);
        return command;
    }

    private Map<String, String> bootstrapTools() {
        return Map.of("EMR_INGEST_LIB_DIR", libDir.toString(),
                "EMR_INGEST_TLS_DIR", tlsDir.toString(),
                "EMR_INGEST_S3_CP", bin.resolve("aws") + " s3 cp",
                "EMR_INGEST_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private Map<String, String> sqoopTools() {
        return Map.of("EMR_INGEST_SQOOP", bin.resolve("sqoop").toString(),
                // mapreduce.jobtracker.address=local: Hadoop 3's local runner forces mapreduce.job.maps=1, and Sqoop
                // keeps its --num-mappers for local mode only when it sees this (Hadoop 1) marker of a local runner.
                "EMR_INGEST_SQOOP_OPTS", "-fs file:/// -jt local -D mapreduce.jobtracker.address=local"
                        + " -D hadoop.tmp.dir=" + hadoopTmp + " --bindir " + bindir);
    }

    /** {@code EMR_INGEST_SPARK_SUBMIT_OPTS} is split on whitespace: no value may hold any. */
    private Map<String, String> sparkTools(Map<String, String> sparkConf) {
        StringBuilder opts = new StringBuilder("--master " + MASTER);
        sparkConf(sparkConf).forEach((k, v) -> {
            if ((k + v).chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("a Spark setting with white space cannot pass through"
                        + " EMR_INGEST_SPARK_SUBMIT_OPTS: " + k);
            }
            opts.append(" --conf ").append(k).append('=').append(v);
        });
        return Map.of("EMR_INGEST_SPARK_SUBMIT", bin.resolve("spark-submit").toString(),
                "EMR_INGEST_SPARK_SUBMIT_OPTS", opts.toString());
    }

    /** {@link #SPARK_CONF} under {@code sparkConf}. */
    private static Map<String, String> sparkConf(Map<String, String> sparkConf) {
        Map<String, String> all = new LinkedHashMap<>(new TreeMap<>(SPARK_CONF));
        all.putAll(sparkConf);
        return all;
    }

    /**
     * What both import steps find on the node (driver and trust store directories, aws and hadoop), and
     * {@code more}.
     */
    private Map<String, String> stepTools(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of(
                "EMR_INGEST_LIB_DIR", libDir.toString(),
                "EMR_INGEST_TLS_DIR", tlsDir.toString(),
                "EMR_INGEST_AWS", bin.resolve("aws").toString(),
                "EMR_INGEST_HADOOP", bin.resolve("hadoop").toString()));
        env.putAll(more);
        return env;
    }

    /**
     * {@code bin/spark-submit}: the spark-submit options {@code spark-jdbc-import.sh} uses, mapped onto a plain JVM.
     * The classpath goes through a java argument file (it is longer than one argument may be).
     */
    private void sparkSubmitStandin(String java, Path log4j) {
        String testClasspath = System.getProperty("java.class.path");
        if (testClasspath == null || !testClasspath.contains("spark-sql_")) {
            throw new IllegalStateException("this JVM's class path does not hold Spark: " + testClasspath);
        }
        String jvmArgs = System.getProperty("spark.jvm.args", SPARK_JVM_ARGS);
        executable(bin.resolve("spark-submit"), """
                #!/usr/bin/env bash
                # spark-submit stand-in (local cluster): client mode, local master, one JVM.
                set -euo pipefail
                props=()
                cp=()
                main=
                while [[ $# -gt 0 ]]; do
                  case $1 in
                    --deploy-mode)
                      [[ $2 == client ]] || { echo "spark-submit stand-in: only --deploy-mode client, got $2" >&2; exit 64; }
                      shift 2 ;;
                    --class) main=$2; shift 2 ;;
                    --master) props+=("-Dspark.master=$2"); shift 2 ;;
                    --conf) props+=("-D$2"); shift 2 ;;
                    --jars) cp+=("${2//,/:}"); shift 2 ;;
                    --*) echo "spark-submit stand-in: unsupported option $1" >&2; exit 64 ;;
                    *) break ;;
                  esac
                done
                [[ -n $main && $# -ge 1 ]] || { echo "spark-submit stand-in: no --class or application jar" >&2; exit 64; }
                app=$1
                shift
                argfile=$(mktemp "%1$s/spark-submit.XXXXXXXX.args")
                printf -- '-cp\n"%%s"\n' "$app:$(IFS=:; echo "${cp[*]}"):%2$s" >"$argfile"
                exec %3$s -Xmx1g -Duser.timezone=UTC -Djava.io.tmpdir="${TMPDIR:-/tmp}" %4$s \
                  -Dlog4j.configuration=file:%5$s "${props[@]}" @"$argfile" "$main" "$@"
                """.formatted(bin, testClasspath, java, jvmArgs, log4j));
    }

    private Result run(List<String> command, Map<String, String> overrides, Path output) {
        try {
            Files.createDirectories(output.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile()).directory(work.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("EMR_INGEST_") || k.startsWith("HADOOP_"));
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        env.put("AWS_ACCESS_KEY_ID", "testing");
        env.put("AWS_SECRET_ACCESS_KEY", "testing");
        env.put("TMPDIR", tmp.toString());
        env.put("TZ", "UTC");
        env.putAll(overrides);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try {
            Process process = builder.start();
            Thread watcher = new Thread(() -> {
                while (process.isAlive()) {
                    seen.addAll(commandLines());
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "cmdline-watcher");
            watcher.setDaemon(true);
            watcher.start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                // TERM first: the script's trap stops its importer and removes its credential store.
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
                throw new IllegalStateException("step did not finish within 10 minutes: " + command);
            }
            watcher.join();
            return new Result(process.exitValue(), Files.readString(output), output, Set.copyOf(seen));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The argument lists of all processes now running (what {@code ps -eo args} shows, unabridged). */
    public static Set<String> commandLines() {
        Set<String> lines = new java.util.HashSet<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    byte[] raw = Files.readAllBytes(p.resolve("cmdline"));
                    if (raw.length > 0) {
                        lines.add(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
                    }
                } catch (IOException | SecurityException gone) {
                    // the process ended between list and read
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private static String sqoopClasspath(Path file) {
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalStateException("Sqoop's classpath file " + file + " is missing: build testing/sqoop-runtime"
                    + " first (./mvnw install -DskipTests at the repository root)");
        }
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path mkdirs(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void executable(Path file, String text) {
        write(file, text);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
