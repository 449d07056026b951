package dev.emringest.jobs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Iceberg version each EMR release ships, as listed on AWS's "Iceberg release history" page of the EMR Release
 * Guide: the upstream version, without AWS's {@code -amzn-N} suffix. Only releases emr-ingest runs on (emr-7.0.0 and
 * later) are listed; a release missing here is one emr-ingest does not know, and a job with an Iceberg target refuses it.
 */
public final class IcebergReleases {

    /** In release order: the first and last entries bound the range the parser's error names. */
    private static final Map<String, String> VERSIONS = versions(
            "emr-7.0.0", "1.4.2",
            "emr-7.1.0", "1.4.3",
            "emr-7.2.0", "1.5.0",
            "emr-7.3.0", "1.5.2",
            "emr-7.4.0", "1.6.1",
            "emr-7.5.0", "1.6.1",
            "emr-7.6.0", "1.6.1",
            "emr-7.7.0", "1.7.1",
            "emr-7.8.0", "1.7.1",
            "emr-7.9.0", "1.7.1",
            "emr-7.10.0", "1.8.1",
            "emr-7.11.0", "1.9.1",
            "emr-7.12.0", "1.10.0",
            "emr-7.13.0", "1.10.0",
            "emr-7.14.0", "1.10.1");

    private IcebergReleases() {}

    /** The Iceberg version {@code releaseLabel} (e.g. {@code emr-7.4.0}) ships; empty for a release not listed. */
    public static Optional<String> icebergVersion(String releaseLabel) {
        return releaseLabel == null ? Optional.empty() : Optional.ofNullable(VERSIONS.get(releaseLabel));
    }

    /** The releases listed, as the parser's error names them: {@code emr-7.0.0 to emr-7.14.0}. */
    static String range() {
        String first = VERSIONS.keySet().iterator().next();
        String last = VERSIONS.keySet().stream().reduce((a, b) -> b).orElseThrow();
        return first + " to " + last;
    }

    private static Map<String, String> versions(String... labelsAndVersions) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (int i = 0; i < labelsAndVersions.length; i += 2) {
            versions.put(labelsAndVersions[i], labelsAndVersions[i + 1]);
        }
        return Collections.unmodifiableMap(versions);
    }
}
