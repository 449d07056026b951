package dev.emringest.bench.dataplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * CPU time from {@code /proc}: of one process, and how much of the machine other work took during a job or a read
 * (the machine's busy time, {@code /proc/stat}, less this process tree's: this JVM, the children it has waited for,
 * and those still running, MariaDB and moto). On a shared machine a timing stretches with that share.
 */
final class MachineLoad {

    private static final double TICKS_PER_SECOND = clockTicks();

    private final long started = System.nanoTime();
    private final double machineBusy = machineBusySeconds();
    private final double ours = treeSeconds();

    /**
     * A process's CPU time, utime + stime (with {@code children}: + cutime + cstime, its reaped children's); 0 once
     * it has ended.
     */
    static double cpuSeconds(long pid, boolean children) {
        String line;
        try {
            line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException ended) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The fields after "(comm)", which may hold spaces: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        if (children) {
            ticks += Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** The share of the machine's CPU time (all its CPUs) that other processes took since this was created. */
    double othersShare() {
        List<String> cpus = stat().stream().filter(l -> l.matches("cpu[0-9]+ .*")).toList();
        double capacity = (System.nanoTime() - started) / 1e9 * cpus.size();
        return ((machineBusySeconds() - machineBusy) - (treeSeconds() - ours)) / capacity;
    }

    /** user + nice + system + irq + softirq + steal of all CPUs. */
    private static double machineBusySeconds() {
        long[] t = Arrays.stream(stat().get(0).split("\\s+")).skip(1).mapToLong(Long::parseLong).toArray();
        return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / TICKS_PER_SECOND;
    }

    /** Sampled before and after a job or a read, when the only descendants running are the servers. */
    private static double treeSeconds() {
        return ProcessHandle.current().descendants().mapToDouble(p -> cpuSeconds(p.pid(), true)).sum()
                + cpuSeconds(ProcessHandle.current().pid(), true);
    }

    private static List<String> stat() {
        try {
            return Files.readAllLines(Path.of("/proc/stat"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            return Double.parseDouble(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
