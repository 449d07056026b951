package dev.emringest.bench.dataplane;

import static dev.emringest.bench.dataplane.SourceDatabase.ONE_ROW;
import static dev.emringest.bench.dataplane.SourceDatabase.ONE_ROWS;
import static dev.emringest.bench.dataplane.SourceDatabase.ORDERS_1M;
import static dev.emringest.bench.dataplane.SourceDatabase.ORDERS_1M_B;
import static dev.emringest.bench.dataplane.SourceDatabase.ORDERS_200K;
import static dev.emringest.bench.dataplane.SourceDatabase.ORDERS_200K_B;

import dev.emringest.local.MariaDbServer;
import dev.emringest.local.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The data-plane benchmark (bench/README.md, "Data plane"): MariaDB with the bench's tables, their raw read, and each
 * importer's jobs as the cluster runs them ({@link ClusterJobs}), {@code --runs} times; prints the Markdown table of
 * medians and, with {@code --raw FILE}, writes every sample as JSON. Exit status 1 when a step fails or a row count
 * differs, 2 on bad options. Runs from the repository root.
 *
 * <p>Usage: {@code DataPlane [--runs N] [--raw FILE.json]}; MariaDB must be installed ({@code bench/dataplane.sh} runs
 * {@code testing/install-mariadb.sh} first).
 */
public final class DataPlane {

    /** spark-jdbc first: the path issue 16's Done-when is about. */
    static final List<String> IMPORTERS = List.of("spark-jdbc", "sqoop");

    /** A job of the bench: a name for the table and the tables of its definition, in order. */
    record Job(String name, List<String> tables) {}

    static final Job ONE_MILLION = new Job("1M", List.of(ORDERS_1M));
    /**
     * The 1M table and its copy in one run: less the 1M job and the fixed cost per table, what a further million rows
     * cost once the run's application is up and its JIT has compiled the data path.
     */
    static final Job TWO_MILLION = new Job("1M + a 2nd 1M table", List.of(ORDERS_1M, ORDERS_1M_B));
    static final Job TWO_HUNDRED_K = new Job("200k", List.of(ORDERS_200K));
    static final Job TWO_HUNDRED_K_B = new Job("200k, 2nd table", List.of(ORDERS_200K_B));
    static final Job ONE_ROW_JOB = new Job("1-row", List.of(ONE_ROW));
    static final Job ONE_ROW_TABLES = new Job("4 one-row tables", ONE_ROWS);
    static final Job FOUR_TABLES = new Job("4 tables", List.of(ORDERS_1M, ORDERS_200K, ORDERS_200K_B, ONE_ROW));
    /** The 4-table job's tables each in a job of its own: the old way, one Spark application per table. */
    static final List<Job> SINGLES = List.of(ONE_MILLION, TWO_HUNDRED_K, TWO_HUNDRED_K_B, ONE_ROW_JOB);
    static final List<Job> JOBS = List.of(ONE_MILLION, TWO_MILLION, TWO_HUNDRED_K, TWO_HUNDRED_K_B, ONE_ROW_JOB,
            ONE_ROW_TABLES, FOUR_TABLES);
    /** The tables whose raw read each run takes: every table of a job with ratios. */
    static final List<String> RAW_READS = List.of(ORDERS_1M, ORDERS_1M_B, ORDERS_200K, ORDERS_200K_B, ONE_ROW);

    /** What is left to stop, the last opened first: by the end of main or, on Ctrl-C, by the shutdown hook. */
    private static final List<AutoCloseable> OPEN = new ArrayList<>();

    private DataPlane() {}

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT); // 1,234.5 whatever the machine's locale
        int runs = 3;
        Path raw = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--runs") && i + 1 < args.length && args[i + 1].matches("[1-9][0-9]*")) {
                runs = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--raw") && i + 1 < args.length) {
                raw = Path.of(args[++i]);
            } else {
                System.err.println("usage: bench/dataplane.sh [--runs N (default 3)] [--raw FILE.json]");
                System.exit(2);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(DataPlane::closeAll));
        int status = 0;
        try {
            run(runs, raw);
        } catch (Exception e) {
            System.err.println("\nBENCH FAILED: " + e.getMessage());
            e.printStackTrace();
            status = 1;
        } finally {
            closeAll();
        }
        System.exit(status);
    }

    private static void run(int runs, Path raw) throws Exception {
        long started = System.nanoTime();
        Path repo = Path.of("").toAbsolutePath();
        Path work = Files.createTempDirectory("emr-ingest-dataplane-");
        open(() -> ClusterJobs.delete(work));
        MotoServer moto = open(MotoServer.start());
        MariaDbServer db = open(MariaDbServer.start("bench", "bench"));
        SourceDatabase source = new SourceDatabase(db, work);
        long generating = System.nanoTime();
        source.create();
        progress("generated the tables in %.1f s: %s", (System.nanoTime() - generating) / 1e9,
                SourceDatabase.tables().stream().map(t -> t + " " + source.rows(t)).toList());
        ClusterJobs jobs = new ClusterJobs(moto, db, source, repo, work);

        // Unrecorded: the tables into the server's and the OS's caches, the jars into the page cache.
        for (String table : RAW_READS) {
            source.rawRead(table);
        }
        for (int i = 0; i < 3; i++) { // the driver's code compiled as in a job's second wave, not interpreted
            source.driverRead(SourceDatabase.ORDERS_1M);
        }
        for (String importer : IMPORTERS) {
            jobs.run(importer, ONE_ROW_JOB.tables(), "warm-up-" + importer);
            progress("warm-up: %s 1-row job", importer);
        }

        MachineLoad load = new MachineLoad();
        Map<String, List<SourceDatabase.Read>> reads = new LinkedHashMap<>();
        List<SourceDatabase.Read> driverReads = new ArrayList<>();
        Map<String, Map<String, List<ClusterJobs.Measurement>>> measured = new LinkedHashMap<>();
        for (int run = 1; run <= runs; run++) {
            for (String table : RAW_READS) {
                SourceDatabase.Read read = source.rawRead(table);
                reads.computeIfAbsent(table, t -> new ArrayList<>()).add(read);
                progress("run %d/%d raw read %s: %.2f s, DB CPU %.2f s", run, runs, table, read.seconds(),
                        read.dbCpuSeconds());
            }
            SourceDatabase.Read driver = source.driverRead(SourceDatabase.ORDERS_1M);
            driverReads.add(driver);
            progress("run %d/%d the driver's read %s: %.2f s, DB CPU %.2f s", run, runs, SourceDatabase.ORDERS_1M,
                    driver.seconds(), driver.dbCpuSeconds());
            for (Job job : JOBS) {
                for (String importer : IMPORTERS) {
                    String runKey = "run-" + run + "-" + importer + "-" + job.name();
                    ClusterJobs.Measurement m = jobs.run(importer, job.tables(), runKey);
                    measured.computeIfAbsent(importer, i -> new LinkedHashMap<>())
                            .computeIfAbsent(job.name(), j -> new ArrayList<>()).add(m);
                    progress("run %d/%d %s %s: %.1f s, DB CPU %.2f s, %,d rows checked", run, runs, importer,
                            job.name(), m.seconds(), m.dbCpuSeconds(), m.rows());
                }
            }
        }
        Report report = new Report(runs, source, reads, driverReads, measured, environment(source), load.othersShare());
        System.out.println(report.markdown());
        if (raw != null) {
            Files.writeString(raw, report.json(), StandardCharsets.UTF_8);
            progress("raw numbers in %s", raw);
        }
        progress("the bench took %.1f min", (System.nanoTime() - started) / 60e9);
    }

    private static String environment(SourceDatabase source) throws Exception {
        return Runtime.getRuntime().availableProcessors() + " CPUs; MariaDB " + source.version() + "; Java "
                + System.getProperty("java.version") + "; Spark local[2] and Sqoop in Hadoop's local job runner";
    }

    private static synchronized <T extends AutoCloseable> T open(T resource) {
        OPEN.add(0, resource);
        return resource;
    }

    private static synchronized void closeAll() {
        for (AutoCloseable resource : OPEN) {
            try {
                resource.close();
            } catch (Exception e) {
                System.err.println("while stopping: " + e);
            }
        }
        OPEN.clear();
    }

    private static void progress(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }
}
