package dev.emringest.launcher;

/** A launch request that can never succeed as sent; the message names the field. */
public final class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
