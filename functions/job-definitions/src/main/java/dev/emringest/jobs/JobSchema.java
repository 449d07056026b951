package dev.emringest.jobs;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** The JSON Schema every merged job definition must satisfy, read once from the bundled schema file. */
final class JobSchema {

    static final String RESOURCE = "job-definition.schema.json";

    private final Schema schema;

    JobSchema() {
        try (InputStream in = JobSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each problem reads {@code field: message}, the field as a dotted path such as {@code source.tables[0].name}. */
    List<String> problems(JsonNode definition) {
        return schema.validate(definition).stream().map(JobSchema::describe).distinct().toList();
    }

    private static String describe(Error error) {
        String field = dotted(error.getInstanceLocation().toString());
        String keyword = error.getKeyword();
        if (("required".equals(keyword) || "additionalProperties".equals(keyword)) && error.getProperty() != null) {
            field = field.isEmpty() ? error.getProperty() : field + "." + error.getProperty();
        }
        // Property names come from the document: the validator's message quotes them as they are.
        return InputErrors.printable((field.isEmpty() ? "(document)" : field) + ": " + error.getMessage(), 512);
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
