package dev.emringest.launcher;

import static dev.emringest.launcher.BurstQueue.*;

import dev.emringest.aws.AwsClients;
import dev.emringest.ledger.Ledger;
import dev.emringest.ledger.RunIdentity;
import dev.emringest.ledger.RunRecord;
import dev.emringest.ledger.RunState;
import dev.emringest.ledger.Versioned;
import dev.emringest.local.ExampleAccount;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.emr.EmrClient;
import software.amazon.awssdk.services.emr.model.ClusterSummary;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What EMR and the ledger hold at the end of {@link LaunchBurstIT}'s burst, the problems found there, and its report. */
final class BurstInspection {

    private BurstInspection() {}

    record RunView(String runKey, List<Message> messages, String clusterName, List<String> motoClusters,
                   Optional<RunRecord> record, int recordCount) {
        boolean anySucceeded() {
            return messages.stream().anyMatch(m -> m.state == Message.State.SUCCEEDED);
        }

        boolean allInDlq() {
            return messages.stream().allMatch(m -> m.state == Message.State.DLQ);
        }

        String clusterId() {
            return record.map(RunRecord::clusterId).orElse(null);
        }
    }

    record Inspection(List<ClusterSummary> clusters, Map<String, List<String>> clustersByName,
                      Map<String, RunView> runs, List<String> strayRecords, List<String> notInOpenIndex,
                      List<String> problems) {}

    static Inspection inspect(AwsClients direct, List<Message> messages, BurstFaults faults) {
        EmrClient emr = direct.emr();
        S3Client s3 = direct.s3();
        Ledger ledger = new Ledger(s3, ExampleAccount.LEDGER_BUCKET);
        List<String> problems = new ArrayList<>();

        List<ClusterSummary> clusters = emr.listClustersPaginator(r -> { }).clusters().stream().toList();
        Map<String, List<String>> clustersByName = new TreeMap<>();
        for (ClusterSummary cluster : clusters) {
            clustersByName.computeIfAbsent(cluster.name(), n -> new ArrayList<>()).add(cluster.id());
        }
        List<String> recordKeys = s3.listObjectsV2Paginator(r -> r.bucket(ExampleAccount.LEDGER_BUCKET)
                .prefix("runs/")).contents().stream().map(S3Object::key).toList();

        Map<String, List<Message>> byRun = messages.stream()
                .collect(Collectors.groupingBy(m -> m.runKey, TreeMap::new, Collectors.toList()));
        Map<String, RunView> runs = new LinkedHashMap<>();
        Set<String> runClusterNames = new HashSet<>();
        for (Map.Entry<String, List<Message>> run : byRun.entrySet()) {
            String runKey = run.getKey();
            String name = RunIdentity.of(ExampleAccount.STACK, JOB, runKey).clusterName();
            runClusterNames.add(name);
            String key = Ledger.recordKey(JOB, runKey);
            int recordCount = (int) recordKeys.stream().filter(key::equals).count();
            runs.put(runKey, new RunView(runKey, run.getValue(), name, clustersByName.getOrDefault(name, List.of()),
                    ledger.read(JOB, runKey).map(Versioned::value), recordCount));
        }
        Set<String> openIndex = new HashSet<>();
        for (Ledger.OpenRun open : ledger.openRuns()) {
            openIndex.add(open.job() + "/" + open.runKey());
        }
        List<String> notInOpenIndex = new ArrayList<>();
        Set<String> expectedKeys = runs.keySet().stream().map(k -> Ledger.recordKey(JOB, k)).collect(Collectors.toSet());
        List<String> strayRecords = recordKeys.stream().filter(k -> !expectedKeys.contains(k)).toList();

        // No run has two clusters, and no cluster belongs to no run.
        Map<String, RunView> runsByClusterName = runs.values().stream()
                .collect(Collectors.toMap(RunView::clusterName, r -> r));
        clustersByName.forEach((name, ids) -> {
            if (ids.size() > 1) {
                RunView run = runsByClusterName.get(name);
                problems.add("DUPLICATE CLUSTERS: " + ids.size() + " clusters named " + name + " " + ids
                        + (run == null ? "" : " for run " + run.runKey() + describe(run, faults)));
            }
            if (!runClusterNames.contains(name)) {
                problems.add("cluster " + ids + " named " + name + " belongs to no run of the burst");
            }
        });
        Set<String> motoIds = clusters.stream().map(ClusterSummary::id).collect(Collectors.toSet());
        long withClusterId = runs.values().stream().filter(r -> r.clusterId() != null).count();
        List<RunView> orphaned = new ArrayList<>();
        for (RunView run : runs.values()) {
            if (run.recordCount() != 1 || run.record().isEmpty()) {
                problems.add("run " + run.runKey() + " has " + run.recordCount() + " ledger records"
                        + describe(run, faults));
                continue;
            }
            RunRecord record = run.record().get();
            // Ledger: open/<job>/<runKey> lists the runs not final or not yet announced: the reconcile reads only those.
            if (!Ledger.closed(record) && !openIndex.contains(JOB + "/" + run.runKey())) {
                notInOpenIndex.add(run.runKey());
                problems.add("run " + run.runKey() + " is " + record.state() + " but missing from the open-run index "
                        + "(open/" + JOB + "/" + run.runKey() + "), so the reconcile never looks at it"
                        + describe(run, faults));
            }
            if (record.clusterId() != null) {
                if (!motoIds.contains(record.clusterId())) {
                    problems.add("run " + run.runKey() + " names cluster " + record.clusterId()
                            + ", which EMR does not know" + describe(run, faults));
                } else if (!run.motoClusters().contains(record.clusterId())) {
                    problems.add("run " + run.runKey() + " names cluster " + record.clusterId()
                            + ", which is not called " + run.clusterName() + describe(run, faults));
                }
            } else if (!run.motoClusters().isEmpty()) {
                orphaned.add(run);
            }
            if (run.anySucceeded() && (record.clusterId() == null || record.state() != RunState.LAUNCHED)) {
                problems.add("run " + run.runKey() + " answered success to a message but is " + record.state()
                        + " with cluster " + record.clusterId() + describe(run, faults));
            }
            if (run.allInDlq() && (record.clusterId() != null || !run.motoClusters().isEmpty())
                    && record.state() != RunState.CLAIMED && record.state() != RunState.LAUNCH_FAILED) {
                problems.add("run " + run.runKey() + " has all its messages in the DLQ, yet is " + record.state()
                        + " with a cluster" + describe(run, faults));
            }
        }
        // A cluster no record names is only acceptable for a run whose every message is in the DLQ and whose record
        // is still CLAIMED: the reconcile adopts it. Anything else is a cluster nobody will ever account for.
        for (RunView run : orphaned) {
            if (!(run.allInDlq() && run.record().get().state() == RunState.CLAIMED)) {
                problems.add("cluster " + run.motoClusters() + " of run " + run.runKey() + " is in no ledger record"
                        + describe(run, faults));
            }
        }
        if (clusters.size() != withClusterId + orphaned.size()) {
            problems.add("clusters in moto (" + clusters.size() + ") != runs with a cluster id in the ledger ("
                    + withClusterId + ")" + (orphaned.isEmpty() ? "" : " + clusters of DLQ'd CLAIMED runs awaiting the "
                    + "reconcile (" + orphaned.size() + ")"));
        }
        if (faults.runJobFlowReached.get() != clusters.size()) {
            problems.add(faults.runJobFlowReached.get() + " RunJobFlow calls reached moto, which holds "
                    + clusters.size() + " clusters");
        }
        for (String stray : strayRecords) {
            problems.add("ledger record " + stray + " belongs to no run of the burst");
        }
        for (Message message : messages) {
            if (message.state == Message.State.IN_FLIGHT) {
                problems.add("message " + message.id + " neither succeeded nor reached the DLQ");
            }
        }
        return new Inspection(clusters, clustersByName, runs, strayRecords, notInOpenIndex, problems);
    }

    private static String describe(RunView run, BurstFaults faults) {
        StringBuilder text = new StringBuilder("\n      ledger: ").append(run.record().map(Object::toString)
                .orElse("(none)")).append("\n      clusters named ").append(run.clusterName()).append(": ")
                .append(run.motoClusters());
        synchronized (faults.runJobFlowCalls) {
            for (BurstFaults.RunJobFlowCall call : faults.runJobFlowCalls) {
                if (run.clusterName().equals(call.clusterName())) {
                    text.append("\n      ").append(call);
                }
            }
        }
        for (Message message : run.messages()) {
            text.append("\n      message ").append(message.id).append(" ").append(message.state);
            for (String line : message.history) {
                text.append("\n        ").append(line);
            }
        }
        return text.toString();
    }

    private static final Pattern OUTCOME = Pattern.compile("^launch (\\S+)(?: \\((\\w+)\\))?");

    static void print(long seed, int rounds, List<Message> messages, Inspection seen, BurstFaults faults,
                              long runJobFlowInJournal, Duration took) {
        Map<String, Integer> outcomes = new TreeMap<>();
        for (Message message : messages) {
            for (String line : message.history) {
                Matcher m = OUTCOME.matcher(line.substring(line.indexOf(": ") + 2));
                String outcome = m.find() ? m.group(1) + (m.group(2) == null ? "" : " " + m.group(2)) : "other";
                outcomes.merge(outcome, 1, Integer::sum);
            }
        }
        Collection<RunView> runs = seen.runs().values();
        List<RunView> dlqRuns = runs.stream().filter(RunView::allInDlq).toList();
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("seed", seed);
        table.put("messages", messages.size());
        table.put("unique runs", runs.size());
        table.put("messages succeeded", count(messages, Message.State.SUCCEEDED));
        table.put("messages in DLQ", count(messages, Message.State.DLQ));
        table.put("runs with every message in DLQ", dlqRuns.size());
        table.put("clusters in moto", seen.clusters().size());
        table.put("runs with a cluster id in the ledger", runs.stream().filter(r -> r.clusterId() != null).count());
        table.put("cluster names used more than once",
                seen.clustersByName().values().stream().filter(ids -> ids.size() > 1).count());
        table.put("runs with exactly one ledger record", runs.stream().filter(r -> r.recordCount() == 1).count());
        table.put("ledger records of no run", seen.strayRecords().size());
        table.put("runs not final, missing from open/ index", seen.notInOpenIndex().size());
        table.put("RunJobFlow calls seen by WireMock", runJobFlowInJournal);
        table.put("RunJobFlow calls that reached moto", faults.runJobFlowReached.get());
        table.put("requests seen by WireMock", faults.requests.get());
        for (BurstFaults.Kind kind : BurstFaults.Kind.values()) {
            table.put("faults injected: " + kind.label, faults.injected.get(kind).get());
        }
        for (BurstFaults.Script script : BurstFaults.Script.values()) {
            table.put("scripted: " + script.label, faults.scriptedFaults.get(script).get());
        }
        table.put("rounds (6 min apart)", rounds);
        outcomes.forEach((outcome, n) -> table.put("deliveries: " + outcome, n));
        table.put("wall time", took.toMillis() / 1000.0 + " s");

        StringBuilder out = new StringBuilder("\n+------------------------------------------------------+-----------------------+\n");
        table.forEach((k, v) -> out.append(String.format(Locale.ROOT, "| %-52s | %21s |%n", k, v)));
        out.append("+------------------------------------------------------+-----------------------+\n");
        for (RunView run : runs) {
            BurstFaults.Script script = faults.scripted.get(run.clusterName());
            if (run.allInDlq() || script != null) {
                RunRecord record = run.record().orElse(null);
                out.append(String.format(Locale.ROOT,
                        "%s run %s%s: %d message(s)%s, ledger %s, ledger cluster %s, clusters in moto %s%n",
                        run.allInDlq() ? "DLQ" : "   ", run.runKey(), script == null ? "" : " (" + script.label + ")",
                        run.messages().size(), run.allInDlq() ? " all in DLQ" : "",
                        record == null ? "(none)" : record.state() + (record.failure() == null ? ""
                                : " " + record.failure().code()),
                        record == null ? null : record.clusterId(), run.motoClusters()));
            }
        }
        System.out.println(out);
    }
}
