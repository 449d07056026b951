package dev.emringest.jobs;

import dev.emringest.json.InputErrors;
import dev.emringest.json.JsonDocuments;
import dev.harrel.jsonschema.Error;
import dev.harrel.jsonschema.MessageProvider;
import dev.harrel.jsonschema.Validator;
import dev.harrel.jsonschema.ValidatorFactory;
import dev.harrel.jsonschema.providers.JakartaJsonNode;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schema every merged job definition must satisfy, read once from the bundled schema file.
 *
 * <p>The validator's messages are the project's own ({@link #MESSAGES}): they state the rule, never the value, which
 * may be anything a user put in the wrong field (a password pasted into {@code username}).
 */
final class JobSchema {

    static final String RESOURCE = "job-definition.schema.json";
    /** Fixed, so registering the schema draws no random id (SecureRandom's start-up is costly at a cold start). */
    private static final URI ID = URI.create("urn:emr-ingest:job-definition");

    /**
     * By validator message key: {1} is the rule's value (a limit, a pattern, the allowed values). {0} is the document's
     * value for most keys and is never used, except where it is not the value (type: its type's name; uniqueItems:
     * an index).
     */
    private static final Map<String, String> MESSAGES = Map.ofEntries(
            Map.entry("falseSchema", "is not allowed"),
            Map.entry("type", "is {0}, must be {1}"),
            Map.entry("const", "must be {1}"),
            Map.entry("enum", "must be one of {1}"),
            Map.entry("multipleOf", "must be a multiple of {1}"),
            Map.entry("maximum", "must be at most {1}"),
            Map.entry("exclusiveMaximum", "must be less than {1}"),
            Map.entry("minimum", "must be at least {1}"),
            Map.entry("exclusiveMinimum", "must be more than {1}"),
            Map.entry("maxLength", "must be at most {1} characters long"),
            Map.entry("minLength", "must be at least {1} characters long"),
            Map.entry("pattern", "must match {1}"),
            Map.entry("maxItems", "must have at most {1} items"),
            Map.entry("minItems", "must have at least {1} items"),
            Map.entry("uniqueItems", "lists an item twice (index {0})"),
            Map.entry("maxProperties", "must have at most {1} entries"),
            Map.entry("minProperties", "must have at least {1} entries"),
            Map.entry("required", "is required"));
    private static final MessageProvider RULES = (key, args) -> MessageFormat.format(
            MESSAGES.getOrDefault(key, "does not satisfy the schema (" + key + ")"),
            Arrays.stream(args).map(String::valueOf).toArray());  // as written: no locale's 1,024

    private final JsonObject document;
    private final Validator validator;

    JobSchema() {
        try (InputStream in = JobSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            document = JsonDocuments.read(new String(in.readAllBytes(), StandardCharsets.UTF_8)).asJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The schema is checked against the draft's meta-schema by JobDefinitionParserTest, not at every cold start.
        validator = new ValidatorFactory().withJsonNodeFactory(new JakartaJsonNode.Factory())
                .withMessageProvider(RULES).withDisabledSchemaValidation(true).createValidator();
        validator.registerSchema(ID, document);
    }

    /** Each problem reads {@code field: message}, the field as a dotted path such as {@code source.tables[0].name}. */
    List<String> problems(JsonObject definition) {
        List<String> problems = new ArrayList<>();
        Validator.Result result = validator.validate(ID, definition);
        for (Error error : result.getErrors()) {
            String field = dotted(error.getInstanceLocation());
            if ("required".equals(error.getKeyword())) {
                // One problem per missing field, named by its own path.
                JsonValue object = pointer(definition, error.getInstanceLocation());
                int before = problems.size();
                for (String name : required(error.getSchemaLocation())) {
                    if (object instanceof JsonObject o && !o.containsKey(name)) {
                        problems.add(describe(field.isEmpty() ? name : field + "." + name, error.getError()));
                    }
                }
                if (problems.size() == before) {
                    problems.add(describe(field, "is missing a required field"));
                }
            } else if (error.getEvaluationPath().contains("/propertyNames/")) {
                problems.add(describe(field, "has a key that " + error.getError()));
            } else {
                problems.add(describe(field, error.getError()));
            }
        }
        if (!result.isValid() && problems.isEmpty()) {
            problems.add(describe("", "does not satisfy the schema"));
        }
        return problems.stream().distinct().toList();
    }

    /** The {@code required} list of the subschema at {@code schemaLocation} ({@code <id>#<pointer>}). */
    private List<String> required(String schemaLocation) {
        int hash = schemaLocation.indexOf('#');
        JsonValue subschema = pointer(document, hash < 0 ? "" : schemaLocation.substring(hash + 1));
        List<String> names = new ArrayList<>();
        if (subschema instanceof JsonObject o && o.get("required") instanceof jakarta.json.JsonArray list) {
            list.getValuesAs(JsonString.class).forEach(s -> names.add(s.getString()));
        }
        return names;
    }

    private static JsonValue pointer(JsonObject root, String pointer) {
        return pointer.isEmpty() ? root : JsonDocuments.JSON.createPointer(pointer).getValue(root);
    }

    private static String describe(String field, String message) {
        return InputErrors.printable((field.isEmpty() ? "(document)" : field) + ": " + message, 512);
    }

    /** {@code /source/tables/0/name} (a JSON pointer) as {@code source.tables[0].name}. */
    static String dotted(String pointer) {
        StringBuilder field = new StringBuilder();
        for (String segment : pointer.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            String name = segment.replace("~1", "/").replace("~0", "~");
            if (name.chars().allMatch(Character::isDigit)) {
                field.append('[').append(name).append(']');
            } else {
                field.append(field.length() == 0 ? "" : ".").append(name);
            }
        }
        return field.toString();
    }
}
