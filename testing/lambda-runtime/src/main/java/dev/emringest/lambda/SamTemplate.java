package dev.emringest.lambda;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code template.yaml} as CloudFormation would deploy a function of it: its package, handler, memory, and the
 * environment the template gives it, with {@code !Ref}, {@code !GetAtt X.Attr}, {@code !Sub} and {@code !Join} resolved against the names a
 * stack would have. A reference this class cannot resolve fails, naming it: a new variable is never dropped.
 */
public final class SamTemplate {

    /**
     * One function's deployment: what Lambda would run, and with what.
     *
     * @param logFormat {@code LoggingConfig.LogFormat} ({@code JSON} or {@code Text}), null when not set
     * @param logLevel  {@code LoggingConfig.ApplicationLogLevel}, null when not set
     */
    public record Function(String name, String codeUri, String handler, String runtime, int memoryMb, int timeoutSeconds,
                           Map<String, String> environment, String logFormat, String logLevel) {}

    private record Intrinsic(String function, Object argument) {}

    private static final Pattern SUB = Pattern.compile("\\$\\{([^}]+)}");

    private final Map<String, Object> template;
    private final Map<String, Object> references;

    /**
     * @param references the stack's resource names, pseudo parameters ({@code AWS::StackName}) and parameter values
     *                   (a {@code List<String>} for a list parameter); a parameter not given takes its default
     */
    @SuppressWarnings("unchecked")
    public SamTemplate(Path file, Map<String, Object> references) {
        try (Reader reader = Files.newBufferedReader(file)) {
            this.template = (Map<String, Object>) new Yaml(new Intrinsics()).load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.references = references;
    }

    public Function function(String logicalId) {
        Map<String, Object> resource = map(map(template, "Resources"), logicalId);
        if (!"AWS::Serverless::Function".equals(resource.get("Type"))) {
            throw new IllegalArgumentException(logicalId + " is not an AWS::Serverless::Function");
        }
        Map<String, Object> globals = map(map(template, "Globals"), "Function");
        Map<String, Object> properties = map(resource, "Properties");
        Map<String, String> environment = new LinkedHashMap<>();
        for (Map<String, Object> level : List.of(globals, properties)) {
            Map<String, Object> variables = map(map(level, "Environment"), "Variables");
            variables.forEach((k, v) -> environment.put(k, text(resolve(v, logicalId + " " + k))));
        }
        return new Function(text(resolve(property(properties, globals, "FunctionName"), logicalId)),
                text(property(properties, globals, "CodeUri")), text(property(properties, globals, "Handler")),
                text(property(properties, globals, "Runtime")),
                Integer.parseInt(text(property(properties, globals, "MemorySize"))),
                Integer.parseInt(text(property(properties, globals, "Timeout"))), environment,
                optional(map(properties, "LoggingConfig"), "LogFormat"),
                optional(map(properties, "LoggingConfig"), "ApplicationLogLevel"));
    }

    /** The logical ids of the template's functions, in the template's order. */
    public List<String> functions() {
        return map(template, "Resources").entrySet().stream()
                .filter(e -> e.getValue() instanceof Map<?, ?> r && "AWS::Serverless::Function".equals(r.get("Type")))
                .map(Map.Entry::getKey).toList();
    }

    private static String optional(Map<String, Object> map, String name) {
        return map.containsKey(name) ? text(map.get(name)) : null;
    }

    private static Object property(Map<String, Object> properties, Map<String, Object> globals, String name) {
        Object value = properties.containsKey(name) ? properties.get(name) : globals.get(name);
        if (value == null) {
            throw new IllegalArgumentException("no " + name + " in the function or Globals");
        }
        return value;
    }

    private Object resolve(Object value, String where) {
        if (!(value instanceof Intrinsic intrinsic)) {
            return value;
        }
        return switch (intrinsic.function()) {
            case "Ref", "GetAtt" -> reference(text(intrinsic.argument()), where);
            case "Sub" -> {
                Matcher m = SUB.matcher(text(intrinsic.argument()));
                StringBuilder out = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(out, Matcher.quoteReplacement(text(reference(m.group(1), where))));
                }
                yield m.appendTail(out).toString();
            }
            case "Join" -> {
                List<?> args = (List<?>) intrinsic.argument();
                Object items = resolve(args.get(1), where);
                yield String.join(text(args.get(0)), ((List<?>) items).stream()
                        .map(i -> text(resolve(i, where))).toList());
            }
            default -> throw new IllegalArgumentException(where + ": !" + intrinsic.function() + " is not resolved here");
        };
    }

    private Object reference(String name, String where) {
        if (references.containsKey(name)) {
            return references.get(name);
        }
        Map<String, Object> parameter = map(template, "Parameters", name);
        if (parameter.containsKey("Default")) {
            Object value = parameter.get("Default");
            // A list parameter's default is written as CloudFormation takes it: one comma-separated string.
            return value instanceof String list && String.valueOf(parameter.get("Type")).startsWith("CommaDelimitedList")
                    ? List.of(list.split(",", -1)) : value;
        }
        throw new IllegalArgumentException(where + ": no value for " + name + " (give it in the references)");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String... path) {
        Map<String, Object> at = parent;
        for (String key : path) {
            Object next = at.get(key);
            at = next instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }
        return at;
    }

    private static String text(Object value) {
        if (value instanceof Intrinsic || value instanceof Map || value == null) {
            throw new IllegalArgumentException("not a plain value: " + value);
        }
        return String.valueOf(value);
    }

    /** CloudFormation's short-form tags ({@code !Ref X}, {@code !Sub ...}, {@code !Join [...]}) as {@link Intrinsic}s. */
    private static final class Intrinsics extends SafeConstructor {
        Intrinsics() {
            super(new LoaderOptions());
            yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    Object argument;
                    if (node instanceof ScalarNode scalar) {
                        argument = constructScalar(scalar);
                    } else if (node instanceof SequenceNode sequence) {
                        argument = constructSequence(sequence);
                    } else {
                        argument = constructMapping((MappingNode) node);
                    }
                    return new Intrinsic(node.getTag().getValue().substring(1), argument);
                }
            });
        }
    }
}
