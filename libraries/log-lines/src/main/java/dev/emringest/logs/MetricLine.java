package dev.emringest.logs;

import com.amazonaws.services.lambda.runtime.Context;
import dev.emringest.json.JsonDocuments;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.spi.JsonProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Metrics as one CloudWatch Embedded Metric Format line, which CloudWatch Logs turns into metrics in namespace
 * {@value #NAMESPACE}: no API call, no client at cold start.
 * <pre>{"_aws":{"Timestamp":1764036000000,"CloudWatchMetrics":[{"Namespace":"emr-ingest",
 * "Dimensions":[["Stack"],["Stack","Job"]],"Metrics":[{"Name":"LaunchesDeferred","Unit":"Count"}]}]},
 * "Stack":"emr-ingest","Job":"orders","runKey":"r1","LaunchesDeferred":1}</pre>
 * One metric directive per line, held to the specification's limits: at most {@value #MAX_METRICS} metrics and
 * {@value #MAX_DIMENSIONS} dimensions. A dimension's value is a {@link #property}; a line whose dimension has none is
 * refused when written. Other properties (a run key) are there to search by. Written past the runtime's JSON
 * wrapping, as a {@link LogLine} is.
 */
public final class MetricLine {

    public static final String NAMESPACE = "emr-ingest";
    static final int MAX_METRICS = 100;
    static final int MAX_DIMENSIONS = 30;

    /** The units the functions use, from CloudWatch's list. */
    public enum Unit {
        COUNT("Count"), SECONDS("Seconds"), MILLISECONDS("Milliseconds"), NONE("None");

        private final String cloudWatch;

        Unit(String cloudWatch) {
            this.cloudWatch = cloudWatch;
        }
    }

    private final long timestamp;
    private final List<List<String>> dimensionSets = new ArrayList<>();
    private final Set<String> dimensions = new LinkedHashSet<>();
    private final Map<String, Unit> metrics = new LinkedHashMap<>();
    private final Map<String, Object> members = new LinkedHashMap<>();

    private MetricLine(long timestamp) {
        this.timestamp = timestamp;
    }

    /** @param epochMillis the time the metrics are for */
    public static MetricLine at(long epochMillis) {
        return new MetricLine(epochMillis);
    }

    /** Adds a dimension set: each metric is published once per set. */
    public MetricLine dimensions(String... names) {
        List<String> set = List.of(names);
        Set<String> all = new LinkedHashSet<>(dimensions);
        all.addAll(set);
        if (all.size() > MAX_DIMENSIONS) {
            throw new IllegalArgumentException("an EMF directive has at most " + MAX_DIMENSIONS + " dimensions");
        }
        dimensionSets.add(set);
        dimensions.addAll(set);
        return this;
    }

    /** A text member: a dimension's value, or a field to search by; left out when {@code value} is null. */
    public MetricLine property(String name, String value) {
        if (value != null) {
            member(name, value);
        }
        return this;
    }

    public MetricLine metric(String name, Unit unit, long value) {
        if (metrics.size() == MAX_METRICS) {
            throw new IllegalArgumentException("an EMF directive has at most " + MAX_METRICS + " metrics");
        }
        member(name, value);
        metrics.put(name, unit);
        return this;
    }

    private void member(String name, Object value) {
        if ("_aws".equals(name) || members.putIfAbsent(name, value) != null) {
            throw new IllegalArgumentException("'" + name + "' is already a member of the line");
        }
    }

    public void write(Context context) {
        LogLine.write(context, json());
    }

    /**
     * The line as it is written.
     *
     * @throws IllegalStateException when a dimension has no text value
     */
    public String json() {
        for (String dimension : dimensions) {
            if (!(members.get(dimension) instanceof String)) {
                throw new IllegalStateException("dimension '" + dimension + "' has no text value");
            }
        }
        JsonProvider json = JsonDocuments.JSON;
        JsonArrayBuilder sets = json.createArrayBuilder();
        dimensionSets.forEach(set -> sets.add(json.createArrayBuilder(set)));
        JsonArrayBuilder definitions = json.createArrayBuilder();
        metrics.forEach((name, unit) -> definitions.add(json.createObjectBuilder().add("Name", name)
                .add("Unit", unit.cloudWatch)));
        JsonObjectBuilder line = json.createObjectBuilder().add("_aws", json.createObjectBuilder()
                .add("Timestamp", timestamp)
                .add("CloudWatchMetrics", json.createArrayBuilder().add(json.createObjectBuilder()
                        .add("Namespace", NAMESPACE).add("Dimensions", sets).add("Metrics", definitions))));
        members.forEach((name, value) -> LogLine.add(line, name, value));
        return line.build().toString();
    }
}
