package dev.emringest.schedules;

import dev.emringest.jobs.JobDefinition;
import dev.emringest.jobs.JobDefinitionStore;
import dev.emringest.ledger.JobFreshness;
import dev.emringest.ledger.Ledger;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;
import software.amazon.awssdk.services.scheduler.model.ScheduleSummary;

/**
 * Makes the stack's schedule group hold exactly one schedule per scheduled job, as the definitions in SSM say, and
 * the ledger each job's freshness.
 *
 * <p>Every pass reads all definitions first: an SSM error ends the pass before anything changes, so a schedule is
 * never deleted because SSM could not answer. A definition that fails validation keeps whatever schedule it has.
 * Each step tolerates a concurrent pass having done it first (created, updated or deleted the same schedule), so two
 * passes at once end in the same state. A job whose Scheduler calls fail is reported and the others go on; the
 * caller fails the pass, and the next one finishes the job. Schedules outside the group are never looked at.
 */
final class ScheduleSync {

    /**
     * What one pass did. {@code invalid} and {@code failed} hold each job's reason; {@code freshness} names the jobs
     * whose freshness the pass wrote or removed.
     */
    record Report(List<String> created, List<String> updated, List<String> deleted, int unchanged,
                  Map<String, String> invalid, Map<String, String> failed, List<String> freshness) {}

    private final JobDefinitionStore definitions;
    private final SchedulerClient scheduler;
    private final String group;
    private final JobSchedule.Destination destination;
    private final Ledger ledger;
    private final Clock clock;

    /** @param ledger where each job's freshness is kept for the reconcile, which reads no definition */
    ScheduleSync(JobDefinitionStore definitions, SchedulerClient scheduler, String group,
                 JobSchedule.Destination destination, Ledger ledger, Clock clock) {
        this.definitions = definitions;
        this.scheduler = scheduler;
        this.group = group;
        this.destination = destination;
        this.ledger = ledger;
        this.clock = clock;
    }

    Report sync() {
        List<JobDefinitionStore.Stored> stored = definitions.loadAll();
        Map<String, JobSchedule> wanted = new LinkedHashMap<>();
        Set<String> kept = new HashSet<>();
        Map<String, String> invalid = new LinkedHashMap<>();
        for (JobDefinitionStore.Stored job : stored) {
            if (job.invalid() != null) {
                invalid.put(job.job(), job.invalid().getMessage());
                kept.add(job.job());
            } else if (job.definition().schedule() != null) {
                wanted.put(job.job(), JobSchedule.of(job.definition(), destination));
            }
        }
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        int unchanged = 0;
        for (JobSchedule schedule : wanted.values()) {
            try {
                switch (apply(schedule)) {
                    case CREATED -> created.add(schedule.name());
                    case UPDATED -> updated.add(schedule.name());
                    case UNCHANGED -> unchanged++;
                }
            } catch (SdkException e) {
                failed.put(schedule.name(), e.getMessage());
            }
        }
        List<String> held;
        try {
            held = scheduler.listSchedulesPaginator(r -> r.groupName(group)).schedules().stream()
                    .map(ScheduleSummary::name).toList();
        } catch (SdkException e) {
            failed.put("(list " + group + ")", e.getMessage());
            held = List.of();
        }
        for (String name : held) {
            if (!wanted.containsKey(name) && !kept.contains(name)) {
                try {
                    scheduler.deleteSchedule(r -> r.groupName(group).name(name));
                    deleted.add(name);
                } catch (ResourceNotFoundException e) {
                    // deleted by a concurrent pass
                } catch (SdkException e) {
                    failed.put(name, e.getMessage());
                }
            }
        }
        List<String> freshness = new ArrayList<>();
        try {
            syncFreshness(stored, kept, freshness);
        } catch (SdkException e) {
            failed.put("(freshness)", e.getMessage());
        }
        return new Report(created, updated, deleted, unchanged, invalid, failed, freshness);
    }

    /**
     * {@code freshness/<job>.json} equal to each valid definition's freshness: written when it changed (keeping when
     * the job was first held to one), removed with the definition's freshness; an invalid definition keeps its own.
     */
    private void syncFreshness(List<JobDefinitionStore.Stored> stored, Set<String> kept, List<String> changed) {
        Map<String, JobDefinition.Freshness> wanted = new LinkedHashMap<>();
        for (JobDefinitionStore.Stored job : stored) {
            if (job.definition() != null && job.definition().freshness() != null) {
                wanted.put(job.job(), job.definition().freshness());
            }
        }
        for (Map.Entry<String, JobDefinition.Freshness> want : wanted.entrySet()) {
            JobDefinition.Freshness f = want.getValue();
            Optional<JobFreshness> held = ledger.freshness(want.getKey());
            if (held.isEmpty() || held.get().maxAgeMinutes() != f.maxAgeMinutes() || held.get().derived() != f.derived()) {
                ledger.putFreshness(new JobFreshness(want.getKey(), f.maxAgeMinutes(), f.derived(),
                        held.map(JobFreshness::since).orElse(clock.instant())));
                changed.add(want.getKey());
            }
        }
        for (String job : ledger.freshJobs()) {
            if (!wanted.containsKey(job) && !kept.contains(job)) {
                ledger.deleteFreshness(job);
                changed.add(job);
            }
        }
    }

    private enum Change { CREATED, UPDATED, UNCHANGED }

    private Change apply(JobSchedule schedule) {
        GetScheduleResponse held = get(schedule.name());
        if (held == null) {
            try {
                scheduler.createSchedule(schedule.create(group));
                return Change.CREATED;
            } catch (ConflictException e) {
                held = get(schedule.name());  // a concurrent pass created it a moment ago
                if (held == null) {
                    throw e;
                }
            }
        }
        if (schedule.matches(held)) {
            return Change.UNCHANGED;
        }
        try {
            scheduler.updateSchedule(schedule.update(group));
            return Change.UPDATED;
        } catch (ResourceNotFoundException e) {
            scheduler.createSchedule(schedule.create(group));  // deleted by hand in between
            return Change.CREATED;
        }
    }

    private GetScheduleResponse get(String name) {
        try {
            return scheduler.getSchedule(r -> r.groupName(group).name(name));
        } catch (ResourceNotFoundException e) {
            return null;
        }
    }
}
