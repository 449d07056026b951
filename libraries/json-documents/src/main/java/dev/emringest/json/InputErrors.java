package dev.emringest.json;

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
}
