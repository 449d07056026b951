package dev.emringest.launcher;

import java.util.Arrays;

/** How {@link BadInputIT} reads the launcher's log line for a rejected case: the field it names, printably. */
final class RejectionLines {

    private RejectionLines() {}

    /** {@code launch rejected: <field>: ...} for a request; {@code ... job '<job>': <field>: ...} for a definition. */
    static boolean namesField(BadInputs.Case input, String line) {
        if (input.family() == BadInputs.Family.REQUEST) {
            return line.startsWith("launch rejected: " + input.field() + ": ");
        }
        return line.startsWith("launch invalid definition job=" + input.job() + " ")
                && problemsName(line, input.job(), input.field());
    }

    /** Whether one of the problems after {@code job '<job>': } (joined by "; ") starts with {@code <field>:}. */
    static boolean problemsName(String text, String job, String field) {
        String marker = "job '" + job + "': ";
        int at = text.indexOf(marker);
        if (at < 0) {
            return false;
        }
        return Arrays.stream(text.substring(at + marker.length()).split("; "))
                .anyMatch(p -> p.startsWith(field + ": "));
    }

    /** The field the line actually names, for the summary. */
    static String namedField(BadInputs.Case input, String line) {
        String rest;
        String rejected = "launch rejected: ";
        int job = line.indexOf("job '" + input.job() + "': ");
        if (line.startsWith(rejected)) {
            rest = line.substring(rejected.length());
        } else if (input.job() != null && job >= 0) {
            rest = line.substring(job + ("job '" + input.job() + "': ").length());
        } else {
            int colon = line.indexOf(": ");
            return "(" + printable(colon < 0 ? line : line.substring(0, colon)) + ")";
        }
        int colon = rest.indexOf(": ");
        return printable(colon < 0 ? rest : rest.substring(0, colon));
    }

    static boolean isControl(int c) {
        return Character.getType(c) == Character.CONTROL;
    }

    /** For failure messages: control characters shown as \\uXXXX, long text cut. */
    static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (isControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.length() > 400 ? out.substring(0, 400) + "..." : out.toString();
    }
}
