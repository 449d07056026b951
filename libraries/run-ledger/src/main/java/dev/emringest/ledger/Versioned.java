package dev.emringest.ledger;

/** A ledger document with the ETag it was read or written with, for the next compare-and-swap. */
public record Versioned<T>(T value, String etag) {}
