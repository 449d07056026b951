package dev.emringest.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonDocumentsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            '{"job": "secret-ish" "x": 1}'            | not valid JSON (line 1, column 24)
            '{"job": "secret-ish",}'                 | not valid JSON (line 1, column 22)
            '{"job": "secret-ish"} {"job": "other"}' | not valid JSON (line 1, column 23)
            '{"job": 1, "job": 2}'                   | not valid JSON: field 'job' appears twice
            '{"job": #secret-ish}'                   | not valid JSON (line 1, column 9)
            ''                                       | not valid JSON (line 1, column 0)
            """)
    void refusesWhatIsNotOneJsonValueWithoutQuotingIt(String text, String message) {
        JsonDocuments.NotJsonException e = assertThrows(JsonDocuments.NotJsonException.class,
                () -> JsonDocuments.read(text));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void refusesDeepNestingAndHugeNumbers() {
        String deep = "[".repeat(3000) + "]".repeat(3000);
        assertEquals("not valid JSON: nested too deeply or a value too long",
                assertThrows(JsonDocuments.NotJsonException.class, () -> JsonDocuments.read(deep)).getMessage());
        assertThrows(JsonDocuments.NotJsonException.class, () -> JsonDocuments.read("{\"n\": " + "9".repeat(5000) + "}"));
    }

    @Test
    void namesTheFieldGivenTwice() {
        assertEquals("job", assertThrows(JsonDocuments.NotJsonException.class,
                () -> JsonDocuments.read("{\"job\": 1, \"job\": 2}")).duplicate().orElseThrow());
    }

    @Test
    void readsPlainValues() {
        Object plain = JsonDocuments.plain(JsonDocuments.read(
                "{\"s\": \"x\", \"i\": 7, \"d\": 1.5, \"t\": true, \"n\": null, \"a\": [1, {\"k\": \"v\"}]}"));
        Map<String, Object> expected = new java.util.LinkedHashMap<>();
        expected.put("s", "x");
        expected.put("i", 7L);
        expected.put("d", new BigDecimal("1.5"));
        expected.put("t", true);
        expected.put("n", null);
        expected.put("a", List.of(1L, Map.of("k", "v")));
        assertEquals(expected, plain);
    }

    @Test
    void readsALambdaEventAndWritesAnAnswer() {
        assertEquals(Map.of("job", "orders"), JsonDocuments.readEvent(in("{\"job\": \"orders\"}")));
        assertEquals(null, JsonDocuments.readEvent(in("")));
        assertEquals(null, JsonDocuments.readEvent(in("null")));
        assertEquals("must be a JSON object", assertThrows(JsonDocuments.NotJsonException.class,
                () -> JsonDocuments.readEvent(in("[1]"))).getMessage());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Map<String, Object> answer = new java.util.LinkedHashMap<>();
        answer.put("outcome", "LAUNCHED");
        answer.put("finalised", 2);
        JsonDocuments.writeAnswer(out, answer);
        assertEquals("{\"outcome\":\"LAUNCHED\",\"finalised\":2}", out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void writesNestedAnswersAsAnSqsBatchResponse() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        JsonDocuments.writeAnswer(out, Map.of("batchItemFailures", List.of(Map.of("itemIdentifier", "m-\"1"))));
        assertEquals("{\"batchItemFailures\":[{\"itemIdentifier\":\"m-\\\"1\"}]}",
                out.toString(java.nio.charset.StandardCharsets.UTF_8));
        out.reset();
        JsonDocuments.writeAnswer(out, Map.of("batchItemFailures", List.of()));
        assertEquals("{\"batchItemFailures\":[]}", out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static java.io.InputStream in(String text) {
        return new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
