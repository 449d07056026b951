package dev.emringest.launcher;

import dev.emringest.jobs.JobDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.emr.model.Configuration;

/**
 * The cluster configuration an Iceberg target needs, over the definition's own: Iceberg enabled
 * ({@code iceberg-defaults}, which puts the release's Iceberg on Spark's classpath), Iceberg's SQL extensions (MERGE
 * INTO) and the Spark catalog {@value ImportSteps#CATALOG} over the Glue Data Catalog, its warehouse the target's
 * S3 URI. Every release the definition may name (emr-7.0.0 to emr-7.14.0, Iceberg 1.4.2 to 1.10.1, see
 * {@code IcebergReleases}) takes these same settings. The definition's other {@code spark-defaults} stay; its
 * {@code spark.sql.extensions} are kept beside Iceberg's.
 */
final class IcebergCluster {

    static final String EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions";
    private static final String SPARK_DEFAULTS = "spark-defaults";
    private static final String ICEBERG_DEFAULTS = "iceberg-defaults";

    private IcebergCluster() {}

    static List<Configuration> configurations(JobDefinition definition, List<Configuration> own) {
        if (!definition.target().iceberg()) {
            return own;
        }
        String catalog = "spark.sql.catalog." + ImportSteps.CATALOG;
        Map<String, String> spark = new LinkedHashMap<>();
        spark.put(catalog, "org.apache.iceberg.spark.SparkCatalog");
        spark.put(catalog + ".catalog-impl", "org.apache.iceberg.aws.glue.GlueCatalog");
        spark.put(catalog + ".io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        spark.put(catalog + ".warehouse", definition.target().s3Uri().replaceAll("/+$", ""));
        List<Configuration> result = new ArrayList<>();
        boolean sparkSeen = false;
        boolean icebergSeen = false;
        for (Configuration c : own) {
            if (SPARK_DEFAULTS.equals(c.classification())) {
                sparkSeen = true;
                Map<String, String> merged = new LinkedHashMap<>(c.properties());
                merged.put("spark.sql.extensions", extensions(c.properties().get("spark.sql.extensions")));
                merged.putAll(spark);
                result.add(c.toBuilder().properties(merged).build());
            } else if (ICEBERG_DEFAULTS.equals(c.classification())) {
                icebergSeen = true;
                Map<String, String> merged = new LinkedHashMap<>(c.properties());
                merged.put("iceberg.enabled", "true");
                result.add(c.toBuilder().properties(merged).build());
            } else {
                result.add(c);
            }
        }
        if (!icebergSeen) {
            result.add(Configuration.builder().classification(ICEBERG_DEFAULTS)
                    .properties(Map.of("iceberg.enabled", "true")).build());
        }
        if (!sparkSeen) {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("spark.sql.extensions", EXTENSIONS);
            properties.putAll(spark);
            result.add(Configuration.builder().classification(SPARK_DEFAULTS).properties(properties).build());
        }
        return result;
    }

    private static String extensions(String own) {
        if (own == null || own.isBlank()) {
            return EXTENSIONS;
        }
        return Arrays.stream(own.split(",")).map(String::trim).anyMatch(EXTENSIONS::equals) ? own
                : own + "," + EXTENSIONS;
    }
}
