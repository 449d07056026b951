package dev.emringest.bench.dataplane;

import static dev.emringest.bench.dataplane.DataPlane.FOUR_TABLES;
import static dev.emringest.bench.dataplane.DataPlane.IMPORTERS;
import static dev.emringest.bench.dataplane.DataPlane.JOBS;
import static dev.emringest.bench.dataplane.DataPlane.ONE_MILLION;
import static dev.emringest.bench.dataplane.DataPlane.ONE_ROW_JOB;
import static dev.emringest.bench.dataplane.DataPlane.ONE_ROW_TABLES;
import static dev.emringest.bench.dataplane.DataPlane.SINGLES;
import static dev.emringest.bench.dataplane.DataPlane.TWO_HUNDRED_K;

import dev.emringest.bench.dataplane.ClusterJobs.Measurement;
import dev.emringest.bench.dataplane.DataPlane.Job;
import dev.emringest.bench.dataplane.SourceDatabase.Read;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;
import tools.jackson.databind.json.JsonMapper;

/**
 * The samples of all runs, as medians: the Markdown table and its summary lines, and the JSON of every sample. A sum
 * over tables or jobs (the raw read of a job's tables, the one-table jobs of the 4-table job) is summed within each
 * run, then the median taken over the runs.
 */
final class Report {

    private static final String PER_TABLE = "4 tables, one application per table (its 4 one-table jobs, summed)";

    /**
     * One line of the table, medians over the runs; {@code raw*} are the raw read's of the same tables (null for the
     * jobs of one-row tables, which measure a fixed cost: no ratios).
     */
    record Line(String path, String job, long rows, double seconds, double dbCpuSeconds, Double rawSeconds,
                Double rawDbCpuSeconds) {}

    /** Per importer: the Done-when figures of issue 16. */
    record Summary(double fixedCostPerRunSeconds, double fixedCostPerTableSeconds, double oneMillionSeconds,
                   double oneMillionMinusFixedCostTimesRawRead, double fourTablesSeconds,
                   double onePerTableSeconds, double fourTablesVsOnePerTable, double oneMillionDbCpuVsRawRead) {}

    private final int runs;
    private final SourceDatabase source;
    private final Map<String, List<Read>> reads;
    private final Map<String, Map<String, List<Measurement>>> measured;
    private final String environment;
    private final double othersCpuShare;

    /** @param othersCpuShare the share of the machine's CPU time other processes took during the runs */
    Report(int runs, SourceDatabase source, Map<String, List<Read>> reads,
           Map<String, Map<String, List<Measurement>>> measured, String environment, double othersCpuShare) {
        this.runs = runs;
        this.source = source;
        this.reads = reads;
        this.measured = measured;
        this.environment = environment;
        this.othersCpuShare = othersCpuShare;
    }

    List<Line> lines() {
        List<Line> lines = new ArrayList<>();
        for (Job job : List.of(ONE_MILLION, TWO_HUNDRED_K, FOUR_TABLES)) {
            lines.add(new Line("raw read", job.name() + (job == FOUR_TABLES ? " (one after another)" : ""),
                    rows(job), raw(job, Read::seconds), raw(job, Read::dbCpuSeconds), raw(job, Read::seconds),
                    raw(job, Read::dbCpuSeconds)));
        }
        for (String importer : IMPORTERS) {
            for (Job job : JOBS) {
                boolean fixedCost = job == ONE_ROW_JOB || job == ONE_ROW_TABLES;
                lines.add(new Line(importer, job.name(), rows(job), median(importer, job, Measurement::seconds),
                        median(importer, job, Measurement::dbCpuSeconds),
                        fixedCost ? null : raw(job, Read::seconds),
                        fixedCost ? null : raw(job, Read::dbCpuSeconds)));
            }
            lines.add(new Line(importer, PER_TABLE, rows(FOUR_TABLES), singles(importer, Measurement::seconds),
                    singles(importer, Measurement::dbCpuSeconds), raw(FOUR_TABLES, Read::seconds),
                    raw(FOUR_TABLES, Read::dbCpuSeconds)));
        }
        return lines;
    }

    Summary summary(String importer) {
        double fixed = median(importer, ONE_ROW_JOB, Measurement::seconds);
        double perTable = (median(importer, ONE_ROW_TABLES, Measurement::seconds) - fixed)
                / (ONE_ROW_TABLES.tables().size() - 1);
        double oneMillion = median(importer, ONE_MILLION, Measurement::seconds);
        double four = median(importer, FOUR_TABLES, Measurement::seconds);
        double singles = singles(importer, Measurement::seconds);
        return new Summary(fixed, perTable, oneMillion, (oneMillion - fixed) / raw(ONE_MILLION, Read::seconds), four,
                singles, four / singles, median(importer, ONE_MILLION, Measurement::dbCpuSeconds)
                / raw(ONE_MILLION, Read::dbCpuSeconds));
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("%d run%s, medians; %s. Other processes took %.0f%% of the machine's CPU time during the runs.%n%n"
                .formatted(runs, runs == 1 ? "" : "s", environment, othersCpuShare * 100));
        out.append("| path | job | rows | seconds | rows/s | × raw read | DB CPU-s per M rows | ÷ raw read's |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Line l : lines()) {
            boolean ratios = l.rawSeconds() != null;
            out.append("| %s | %s | %,d | %.1f | %s | %s | %s | %s |%n".formatted(l.path(), l.job(), l.rows(),
                    l.seconds(), ratios ? "%,.0f".formatted(l.rows() / l.seconds()) : "—",
                    ratios ? "%.1f×".formatted(l.seconds() / l.rawSeconds()) : "—",
                    ratios ? "%.2f".formatted(l.dbCpuSeconds() / l.rows() * 1e6) : "—",
                    ratios ? "%.2f×".formatted(l.dbCpuSeconds() / l.rawDbCpuSeconds()) : "—"));
        }
        double raw = raw(ONE_MILLION, Read::seconds);
        out.append("\n- Raw read (%d connections, `mariadb --quick --batch`): 1M rows in %.2f s (%,.0f rows/s); DB CPU"
                .formatted(SourceDatabase.READERS, raw, rows(ONE_MILLION) / raw)
                + " %.2f CPU-s per million rows.%n".formatted(raw(ONE_MILLION, Read::dbCpuSeconds)
                / rows(ONE_MILLION) * 1e6));
        out.append("- Fixed cost per run (the 1-row job): ").append(each(s -> "%.1f s"
                .formatted(s.fixedCostPerRunSeconds()))).append(".\n");
        out.append("- Fixed cost per table ((4 one-row tables − 1-row) / 3): ").append(each(s -> "%.1f s"
                .formatted(s.fixedCostPerTableSeconds()))).append(".\n");
        out.append("- **1M minus the fixed cost per run, × raw read**: ").append(each(s -> "**%.1f×** ((%.1f − %.1f)"
                .formatted(s.oneMillionMinusFixedCostTimesRawRead(), s.oneMillionSeconds(),
                        s.fixedCostPerRunSeconds()) + " / %.2f s)".formatted(raw))).append(".\n");
        out.append("- **4-table job vs one application per table**: ").append(each(s -> "**%.2f×** (%.1f s vs %.1f s)"
                .formatted(s.fourTablesVsOnePerTable(), s.fourTablesSeconds(), s.onePerTableSeconds())))
                .append(".\n");
        out.append("- DB CPU per million rows of the 1M job ÷ the raw read's: ").append(each(s -> "%.2f×"
                .formatted(s.oneMillionDbCpuVsRawRead()))).append(".\n");
        return out.toString();
    }

    /** {@code importer figure; importer figure} */
    private String each(Function<Summary, String> figure) {
        return String.join("; ", IMPORTERS.stream().map(i -> i + " " + figure.apply(summary(i))).toList());
    }

    /** Every sample, the tables' rows, the lines and summaries as printed. */
    String json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runs", runs);
        json.put("environment", environment);
        json.put("othersCpuShare", othersCpuShare);
        Map<String, Long> rows = new LinkedHashMap<>();
        SourceDatabase.tables().forEach(t -> rows.put(t, source.rows(t)));
        json.put("sourceRows", rows);
        Map<String, List<String>> jobs = new LinkedHashMap<>();
        JOBS.forEach(j -> jobs.put(j.name(), j.tables()));
        json.put("jobs", jobs);
        json.put("rawReads", reads);
        json.put("measurements", measured);
        json.put("lines", lines());
        Map<String, Summary> summaries = new LinkedHashMap<>();
        IMPORTERS.forEach(i -> summaries.put(i, summary(i)));
        json.put("summary", summaries);
        return JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n";
    }

    private long rows(Job job) {
        return job.tables().stream().mapToLong(source::rows).sum();
    }

    /** The raw read of the job's tables (summed per run), median over the runs. */
    private double raw(Job job, ToDoubleFunction<Read> value) {
        return medianOfRuns(run -> job.tables().stream().mapToDouble(t -> value.applyAsDouble(reads.get(t).get(run)))
                .sum());
    }

    private double median(String importer, Job job, ToDoubleFunction<Measurement> value) {
        List<Measurement> samples = measured.get(importer).get(job.name());
        return medianOfRuns(run -> value.applyAsDouble(samples.get(run)));
    }

    /** The 4-table job's tables as one-table jobs, summed per run, median over the runs. */
    private double singles(String importer, ToDoubleFunction<Measurement> value) {
        return medianOfRuns(run -> SINGLES.stream().mapToDouble(job -> value.applyAsDouble(measured.get(importer)
                .get(job.name()).get(run))).sum());
    }

    private double medianOfRuns(IntToDoubleFunction ofRun) {
        double[] values = IntStream.range(0, runs).mapToDouble(ofRun).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
