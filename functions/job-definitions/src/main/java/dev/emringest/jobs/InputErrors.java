package dev.emringest.jobs;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;

/**
 * How errors describe bad input: they name the field and where it broke, but never echo control characters, unbounded
 * text or a parser's quote of the document (which may hold anything, a pasted secret included).
 */
public final class InputErrors {

    private static final int MAX_ECHO = 64;

    private InputErrors() {}

    /** Text from a sender, made safe for one log line: control characters become '?', long text is cut. */
    public static String printable(String text) {
        return printable(text, MAX_ECHO);
    }

    public static String printable(String text, int max) {
        // ASCII only: control characters would forge log lines, look-alike letters would mislead the reader.
        String cleaned = text.replaceAll("[^\\x20-\\x7e]", "?");
        return cleaned.length() > max ? cleaned.substring(0, max) + "..." : cleaned;
    }

    private static final Pattern DUPLICATE = Pattern.compile("^Duplicate Object property \"(.*)\"");

    /** The field a JSON document names twice, when that is why it did not parse. */
    public static Optional<String> duplicateField(JacksonException e) {
        Matcher m = DUPLICATE.matcher(e.getOriginalMessage() == null ? "" : e.getOriginalMessage());
        return m.find() ? Optional.of(printable(m.group(1))) : Optional.empty();
    }

    /** {@code not valid JSON (line 3, column 7)}, without the parser's message. */
    public static String notJson(JacksonException e) {
        StringBuilder why = new StringBuilder("not valid JSON");
        if (e.getLocation() != null && e.getLocation().getLineNr() > 0) {
            why.append(" (line ").append(e.getLocation().getLineNr())
                    .append(", column ").append(e.getLocation().getColumnNr()).append(')');
        }
        Optional<String> duplicate = duplicateField(e);
        if (duplicate.isPresent()) {
            why.append(": field '").append(duplicate.get()).append("' appears twice");
        } else if (e instanceof tools.jackson.core.exc.StreamConstraintsException) {
            why.append(": nested too deeply or a value too long");
        }
        return why.toString();
    }
}
