package dev.emringest.logs;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.HashSet;
import java.util.Set;

/**
 * A checker of the CloudWatch Embedded Metric Format specification's structure: {@code _aws.Timestamp} a number,
 * {@code _aws.CloudWatchMetrics} an array of directives, each with a {@code Namespace} text, {@code Dimensions} an
 * array of arrays of texts (each a text member at the top level, at most 30 per directive) and {@code Metrics} an
 * array of at most 100 {@code {"Name", "Unit"?}} (each a number member at the top level, the unit one of
 * CloudWatch's).
 */
public final class EmfDocuments {

    static final Set<String> UNITS = Set.of("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
            "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent",
            "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
            "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second",
            "None");

    private EmfDocuments() {}

    /** @throws AssertionError naming what breaks the specification */
    public static void check(JsonObject document) {
        JsonObject aws = member(document, "_aws", JsonValue.ValueType.OBJECT, "the root").asJsonObject();
        member(aws, "Timestamp", JsonValue.ValueType.NUMBER, "_aws");
        JsonArray directives = member(aws, "CloudWatchMetrics", JsonValue.ValueType.ARRAY, "_aws").asJsonArray();
        for (JsonValue entry : directives) {
            require(entry.getValueType() == JsonValue.ValueType.OBJECT, "a directive is not an object: " + entry);
            JsonObject directive = entry.asJsonObject();
            member(directive, "Namespace", JsonValue.ValueType.STRING, "a directive");
            Set<String> dimensions = new HashSet<>();
            JsonArray sets = member(directive, "Dimensions", JsonValue.ValueType.ARRAY, "a directive").asJsonArray();
            for (JsonValue set : sets) {
                require(set.getValueType() == JsonValue.ValueType.ARRAY, "a dimension set is not an array: " + set);
                for (JsonValue name : set.asJsonArray()) {
                    require(name instanceof JsonString, "a dimension name is not a text: " + name);
                    dimensions.add(((JsonString) name).getString());
                    text(document, ((JsonString) name).getString(), "the root");
                }
            }
            require(dimensions.size() <= 30, dimensions.size() + " dimensions in a directive");
            JsonArray metrics = member(directive, "Metrics", JsonValue.ValueType.ARRAY, "a directive").asJsonArray();
            require(metrics.size() <= 100, metrics.size() + " metrics in a directive");
            for (JsonValue definition : metrics) {
                require(definition.getValueType() == JsonValue.ValueType.OBJECT,
                        "a metric is not an object: " + definition);
                JsonObject metric = definition.asJsonObject();
                String name = text(metric, "Name", "a metric");
                member(document, name, JsonValue.ValueType.NUMBER, "the root");
                if (metric.containsKey("Unit")) {
                    String unit = text(metric, "Unit", "metric " + name);
                    require(UNITS.contains(unit), "metric " + name + " has a unit CloudWatch does not know: " + unit);
                }
            }
        }
    }

    private static JsonValue member(JsonObject object, String name, JsonValue.ValueType type, String where) {
        JsonValue value = object.get(name);
        require(value != null && value.getValueType() == type,
                where + " needs " + name + " as " + type + ", has " + value);
        return value;
    }

    private static String text(JsonObject object, String name, String where) {
        return ((JsonString) member(object, name, JsonValue.ValueType.STRING, where)).getString();
    }

    private static void require(boolean holds, String otherwise) {
        if (!holds) {
            throw new AssertionError("not an EMF document: " + otherwise);
        }
    }
}
