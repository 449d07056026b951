package dev.emringest.recorder;

import dev.emringest.json.JsonDocuments;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** An EventBridge rule's pattern as template.yaml declares it, as JSON, with {@code !Ref AWS::StackName} resolved. */
final class TemplateRules {

    private TemplateRules() {}

    @SuppressWarnings("unchecked")
    static String pattern(String logicalId, String stack) {
        try (Reader reader = Files.newBufferedReader(Path.of("../../template.yaml"))) {
            Map<String, Object> template = (Map<String, Object>) new Yaml(new StackRefs(stack)).load(reader);
            Map<String, Object> rule = (Map<String, Object>) ((Map<String, Object>) template.get("Resources"))
                    .get(logicalId);
            Object pattern = ((Map<String, Object>) rule.get("Properties")).get("EventPattern");
            return JsonDocuments.JSON.createObjectBuilder((Map<String, Object>) pattern).build().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code !Ref AWS::StackName} is the stack; any other tag fails, so a pattern this cannot read is noticed. */
    private static final class StackRefs extends SafeConstructor {
        StackRefs(String stack) {
            super(new LoaderOptions());
            yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    if (node.getTag().getValue().equals("!Ref") && node instanceof ScalarNode scalar
                            && "AWS::StackName".equals(scalar.getValue())) {
                        return stack;
                    }
                    return "<" + node.getTag().getValue() + ">";
                }
            });
        }
    }
}
