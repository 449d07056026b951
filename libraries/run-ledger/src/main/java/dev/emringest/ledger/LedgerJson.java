package dev.emringest.ledger;

import dev.emringest.json.JsonDocuments;
import dev.emringest.ledger.JobState.TableState;
import dev.emringest.ledger.RunRecord.Commit;
import dev.emringest.ledger.RunRecord.Failure;
import dev.emringest.ledger.RunRecord.StepOutcome;
import dev.emringest.ledger.RunRecord.TableOutput;
import dev.emringest.ledger.RunRecord.Transition;
import dev.emringest.ledger.RunWindow.TableWindow;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The ledger's documents as JSON: each record component under its own name, instants as ISO-8601 text, absent
 * values left out. Written out by hand over JSON-P: a few fields, and no reflection at a cold start.
 */
final class LedgerJson {

    private static final JsonProvider JSON = JsonDocuments.JSON;

    private LedgerJson() {}

    static byte[] write(RunRecord r) {
        JsonArrayBuilder steps = JSON.createArrayBuilder();
        r.steps().forEach(s -> steps.add(object().put("id", s.id()).put("name", s.name()).put("state", s.state())
                .put("failureReason", s.failureReason()).put("failureMessage", s.failureMessage())
                .put("logFile", s.logFile()).json));
        Fields f = object().put("job", r.job()).put("runKey", r.runKey()).put("state", r.state().name())
                .put("attempt", r.attempt()).put("clusterId", r.clusterId()).put("clusterName", r.clusterName())
                .put("definitionVersion", r.definitionVersion());
        f.json.add("steps", steps);
        if (r.failure() != null) {
            f.json.add("failure", object().put("code", r.failure().code()).put("message", r.failure().message())
                    .put("step", r.failure().step()).json);
        }
        f.put("createdAt", r.createdAt()).put("launchedAt", r.launchedAt()).put("endedAt", r.endedAt())
                .put("updatedAt", r.updatedAt());
        if (r.window() != null) {
            JsonObjectBuilder tables = JSON.createObjectBuilder();
            new TreeMap<>(r.window().tables()).forEach((name, w) -> tables.add(name, object().put("mode", w.mode())
                    .put("column", w.column()).put("from", w.from()).put("to", w.to()).put("above", w.above())
                    .put("upTo", w.upTo()).put("manifest", w.manifest()).json));
            f.json.add("window", JSON.createObjectBuilder().add("backfill", r.window().backfill()).add("tables", tables));
        }
        if (!r.tables().isEmpty()) {
            JsonArrayBuilder outputs = JSON.createArrayBuilder();
            r.tables().forEach(t -> {
                Fields table = object().put("name", t.name()).put("manifest", t.manifest())
                        .put("rowsWritten", t.rowsWritten()).put("catalogTable", t.catalogTable())
                        .put("error", t.error());
                if (t.commit() != null) {
                    table.json.add("commit", commitJson(t.commit()));
                }
                outputs.add(table.json);
            });
            f.json.add("tables", outputs);
        }
        f.put("normalizedInstanceHours", r.normalizedInstanceHours());
        JsonArrayBuilder history = JSON.createArrayBuilder();
        r.history().forEach(t -> history.add(object().put("state", t.state().name()).put("at", t.at()).json));
        f.json.add("history", history);
        f.json.add("announced", r.announced());
        return bytes(f);
    }

    static RunRecord runRecord(byte[] json) {
        JsonObject o = read(json);
        List<StepOutcome> steps = new ArrayList<>();
        for (JsonObject s : objects(o, "steps")) {
            steps.add(new StepOutcome(text(s, "id"), text(s, "name"), text(s, "state"), text(s, "failureReason"),
                    text(s, "failureMessage"), text(s, "logFile")));
        }
        JsonObject failure = o.getJsonObject("failure");
        JsonObject window = o.getJsonObject("window");
        return new RunRecord(text(o, "job"), text(o, "runKey"), RunState.valueOf(text(o, "state")), text(o, "attempt"),
                text(o, "clusterId"), text(o, "clusterName"), text(o, "definitionVersion"), steps,
                failure == null ? null : new Failure(text(failure, "code"), text(failure, "message"),
                        text(failure, "step")),
                instant(o, "createdAt"), instant(o, "launchedAt"), instant(o, "endedAt"), instant(o, "updatedAt"),
                window == null ? null : new RunWindow(window.getBoolean("backfill", false),
                        map(window.getJsonObject("tables"), w -> new TableWindow(text(w, "mode"), text(w, "column"),
                                instant(w, "from"), instant(w, "to"), number(w, "above"), number(w, "upTo"),
                                text(w, "manifest")))),
                objects(o, "tables").stream().map(t -> new TableOutput(text(t, "name"), text(t, "manifest"),
                        number(t, "rowsWritten"), text(t, "catalogTable"), commit(t.getJsonObject("commit")),
                        text(t, "error")))
                        .toList(),
                number(o, "normalizedInstanceHours"),
                objects(o, "history").stream().map(t -> new Transition(RunState.valueOf(text(t, "state")),
                        instant(t, "at"))).toList(),
                o.getInt("announced", 0));
    }

    /**
     * A commit's snapshot id is written as a string: a JSON number above 2^53 loses digits in JavaScript (and in any
     * reader that parses numbers as doubles), and snapshot ids use all 64 bits.
     */
    private static JsonObjectBuilder commitJson(Commit c) {
        return JSON.createObjectBuilder().add("snapshotId", Long.toString(c.snapshotId()))
                .add("addedRows", c.addedRows()).add("updatedRows", c.updatedRows())
                .add("deletedRows", c.deletedRows());
    }

    private static Commit commit(JsonObject c) {
        if (c == null) {
            return null;
        }
        JsonValue id = c.get("snapshotId");
        long snapshotId = id instanceof JsonNumber n ? n.longValueExact() : Long.parseLong(text(c, "snapshotId"));
        return new Commit(snapshotId, c.getJsonNumber("addedRows").longValueExact(),
                c.getJsonNumber("updatedRows").longValueExact(), c.getJsonNumber("deletedRows").longValueExact());
    }

    private static List<JsonObject> objects(JsonObject o, String name) {
        return o.getJsonArray(name) == null ? List.of() : o.getJsonArray(name).getValuesAs(JsonObject.class);
    }

    static byte[] write(JobState s) {
        JsonObjectBuilder tables = JSON.createObjectBuilder();
        new TreeMap<>(s.tables()).forEach((name, t) -> tables.add(name, object().put("mode", t.mode())
                .put("time", t.time()).put("key", t.key()).json));
        Fields f = object().put("job", s.job());
        f.json.add("tables", tables);
        f.put("inFlight", s.inFlight()).put("inFlightSince", s.inFlightSince()).put("updatedAt", s.updatedAt())
                .put("lastSucceededAt", s.lastSucceededAt()).put("staleSince", s.staleSince());
        if (s.staleAnnounced()) {
            f.json.add("staleAnnounced", true);
        }
        return bytes(f);
    }

    static JobState jobState(byte[] json) {
        JsonObject o = read(json);
        return new JobState(text(o, "job"), map(o.getJsonObject("tables"),
                t -> new TableState(text(t, "mode"), instant(t, "time"), number(t, "key"))),
                text(o, "inFlight"), instant(o, "inFlightSince"), instant(o, "updatedAt"), instant(o, "lastSucceededAt"),
                instant(o, "staleSince"), o.getBoolean("staleAnnounced", false));
    }

    static byte[] write(JobFreshness f) {
        Fields fields = object().put("job", f.job()).put("maxAgeMinutes", (long) f.maxAgeMinutes());
        fields.json.add("derived", f.derived());
        return bytes(fields.put("since", f.since()));
    }

    static JobFreshness jobFreshness(byte[] json) {
        JsonObject o = read(json);
        return new JobFreshness(text(o, "job"), number(o, "maxAgeMinutes").intValue(),
                o.getBoolean("derived", false), instant(o, "since"));
    }

    static byte[] write(ClusterPointer p) {
        return bytes(object().put("clusterId", p.clusterId()).put("job", p.job()).put("runKey", p.runKey()));
    }

    static ClusterPointer clusterPointer(byte[] json) {
        JsonObject o = read(json);
        return new ClusterPointer(text(o, "clusterId"), text(o, "job"), text(o, "runKey"));
    }

    /** An object under construction that leaves absent values out. */
    private record Fields(JsonObjectBuilder json) {
        Fields put(String name, String value) {
            if (value != null) {
                json.add(name, value);
            }
            return this;
        }

        Fields put(String name, Instant value) {
            return put(name, value == null ? null : value.toString());
        }

        Fields put(String name, Long value) {
            if (value != null) {
                json.add(name, value.longValue());
            }
            return this;
        }
    }

    private static Fields object() {
        return new Fields(JSON.createObjectBuilder());
    }

    private static byte[] bytes(Fields fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var writer = JSON.createWriter(out)) {
            writer.write(fields.json.build());
        }
        return out.toByteArray();
    }

    private static JsonObject read(byte[] json) {
        try (var reader = JSON.createReader(new ByteArrayInputStream(json))) {
            return reader.readObject();
        }
    }

    private static <T> Map<String, T> map(JsonObject object, Function<JsonObject, T> value) {
        Map<String, T> map = new TreeMap<>();
        if (object != null) {
            object.forEach((name, v) -> map.put(name, value.apply(v.asJsonObject())));
        }
        return map;
    }

    private static String text(JsonObject o, String name) {
        return o.get(name) instanceof JsonString s ? s.getString() : null;
    }

    private static Instant instant(JsonObject o, String name) {
        String text = text(o, name);
        return text == null ? null : Instant.parse(text);
    }

    private static Long number(JsonObject o, String name) {
        return o.get(name) instanceof JsonNumber n ? n.longValueExact() : null;
    }
}
