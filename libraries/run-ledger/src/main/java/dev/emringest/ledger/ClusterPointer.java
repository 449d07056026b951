package dev.emringest.ledger;

/** {@code clusters/<clusterId>.json}: which run a cluster belongs to, so events find their run. */
public record ClusterPointer(String clusterId, String job, String runKey) {}
