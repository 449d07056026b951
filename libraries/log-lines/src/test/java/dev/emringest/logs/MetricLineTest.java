package dev.emringest.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MetricLineTest {

    private final CapturedContext context = new CapturedContext();

    @Test
    void anEmfDocumentThroughTheByteOverload() {
        MetricLine.at(1_764_036_000_000L).dimensions("Stack").dimensions("Stack", "Job")
                .property("Stack", "emr-ingest").property("Job", "orders").property("runKey", "r1")
                .property("clusterId", null).metric("LaunchesDeferred", MetricLine.Unit.COUNT, 1)
                .metric("WaitSeconds", MetricLine.Unit.SECONDS, 90).write(context.context);

        assertEquals(List.of(), context.strings);
        assertEquals(List.of("{\"_aws\":{\"Timestamp\":1764036000000,\"CloudWatchMetrics\":[{"
                + "\"Namespace\":\"emr-ingest\",\"Dimensions\":[[\"Stack\"],[\"Stack\",\"Job\"]],"
                + "\"Metrics\":[{\"Name\":\"LaunchesDeferred\",\"Unit\":\"Count\"},"
                + "{\"Name\":\"WaitSeconds\",\"Unit\":\"Seconds\"}]}]},"
                + "\"Stack\":\"emr-ingest\",\"Job\":\"orders\",\"runKey\":\"r1\",\"LaunchesDeferred\":1,"
                + "\"WaitSeconds\":90}"), context.bytes);
        JsonObject line = LoggedLines.metricLines(context.bytes).get(0);  // checked against the specification
        assertEquals(List.of(), LoggedLines.logLines(context.bytes), "a metric line is not a log line");
        assertEquals("r1", line.getString("runKey"));
    }

    @Test
    void everyUnitIsCloudWatchs() {
        MetricLine line = MetricLine.at(0).dimensions("Stack").property("Stack", "s");
        for (MetricLine.Unit unit : MetricLine.Unit.values()) {
            line.metric("M" + unit.ordinal(), unit, unit.ordinal());
        }
        EmfDocuments.check(LoggedLines.metricLines(List.of(line.json())).get(0));
    }

    @Test
    void aDimensionWithoutATextValueIsRefused() {
        MetricLine noValue = MetricLine.at(0).dimensions("Stack", "Job").property("Stack", "s").property("Job", null)
                .metric("M", MetricLine.Unit.COUNT, 1);
        assertEquals("dimension 'Job' has no text value",
                assertThrows(IllegalStateException.class, noValue::json).getMessage());
        MetricLine aNumber = MetricLine.at(0).dimensions("M").metric("M", MetricLine.Unit.COUNT, 1);
        assertThrows(IllegalStateException.class, aNumber::json);
    }

    @Test
    void aMemberIsGivenOnce() {
        assertThrows(IllegalArgumentException.class, () -> MetricLine.at(0).property("Job", "a").property("Job", "b"));
        assertThrows(IllegalArgumentException.class,
                () -> MetricLine.at(0).property("M", "a").metric("M", MetricLine.Unit.COUNT, 1));
        assertThrows(IllegalArgumentException.class, () -> MetricLine.at(0).property("_aws", "a"));
    }

    @Test
    void atMostOneHundredMetrics() {
        MetricLine line = MetricLine.at(0);
        IntStream.range(0, 100).forEach(i -> line.metric("M" + i, MetricLine.Unit.COUNT, i));
        EmfDocuments.check(LoggedLines.metricLines(List.of(line.json())).get(0));
        assertThrows(IllegalArgumentException.class, () -> line.metric("M100", MetricLine.Unit.COUNT, 1));
    }

    @Test
    void atMostThirtyDimensionsInTheDirective() {
        String[] thirty = IntStream.range(0, 30).mapToObj(i -> "D" + i).toArray(String[]::new);
        MetricLine line = MetricLine.at(0).dimensions(thirty).dimensions("D0", "D29");
        for (String d : thirty) {
            line.property(d, d.toLowerCase());
        }
        EmfDocuments.check(LoggedLines.metricLines(List.of(line.metric("M", MetricLine.Unit.COUNT, 1).json())).get(0));
        assertThrows(IllegalArgumentException.class, () -> line.dimensions("D30"));
    }

    @Test
    void theCheckerRefusesWhatBreaksTheSpecification() {
        String valid = MetricLine.at(0).dimensions("Stack").property("Stack", "s").metric("M", MetricLine.Unit.COUNT, 1)
                .json();
        for (String broken : List.of(
                valid.replace("\"Timestamp\":0", "\"Timestamp\":\"0\""),
                valid.replace("\"Stack\":\"s\"", "\"Stack\":1"),
                valid.replace(",\"Stack\":\"s\"", ""),
                valid.replace("\"M\":1", "\"M\":\"1\""),
                valid.replace("\"Unit\":\"Count\"", "\"Unit\":\"Things\""),
                valid.replace("[[\"Stack\"]]", "[\"Stack\"]"),
                valid.replace("\"Namespace\":\"emr-ingest\",", ""))) {
            assertNotEquals(valid, broken);
            assertThrows(AssertionError.class, () -> LoggedLines.metricLines(List.of(broken)), broken);
        }
    }
}
