package dev.emringest.jobs;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One job's definition, merged over the defaults and validated. Field names match the JSON documents in SSM;
 * see {@code job-definition.schema.json} for the rules and {@code docs/job-definitions.md} for the reference.
 *
 * @param version the SSM parameter versions it was read from, kept in the run record
 * @param schedule null for a job launched on demand only
 * @param declaredFreshness its {@code freshness}, null when it declares none
 */
public record JobDefinition(String job, String version, Importer importer, Source source, Target target,
                            Cluster cluster, List<SparkStep> extraSparkSteps, Schedule schedule,
                            Freshness declaredFreshness) {

    /**
     * How stale the job may get: its declared freshness, else twice its enabled schedule's longest gap; null for
     * neither. Worked out when asked (a cron's gaps take a year of firings): the launcher never asks.
     */
    public Freshness freshness() {
        return JobDefinitionParser.freshness(declaredFreshness, schedule);
    }

    /**
     * How the cluster reads the source: Sqoop (emr-7.4.0 and earlier), or Spark over JDBC (any release). The schema
     * spells them {@code sqoop}, {@code spark-jdbc}.
     */
    public enum Importer { SQOOP, SPARK_JDBC }

    /** The schema's spelling of an enum's value: its name in lower case, with '-' for '_'. */
    static String schemaName(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E>> E fromSchemaName(Class<E> type, String name) {
        return Enum.valueOf(type, name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /**
     * Where the password comes from is exactly one of {@code passwordParameter} and {@code secret}; the cluster reads
     * it with its own role, never the launcher.
     *
     * @param jdbcUrl null: built on the cluster from the secret's {@code host}, {@code port} and {@code dbname}
     * @param username null: the secret's {@code username}
     * @param passwordParameter an SSM SecureString's name, or null
     * @param secret a Secrets Manager secret, or null
     * @param maxConnections the most database connections the run holds at once, over all its tables
     */
    public record Source(String jdbcUrl, String username, String passwordParameter, Secret secret, Tls tls,
                         String stagingFormat, int maxConnections, List<Table> tables) {}

    /** A Secrets Manager secret (a JSON object) by name or ARN, and the key of the password in it. */
    public record Secret(String id, String passwordKey) {}

    /**
     * How the importers' connections use TLS.
     *
     * @param ca the S3 URI of the PEM of the CAs to trust; null: the Amazon RDS global bundle (when the mode verifies)
     */
    public record Tls(TlsMode mode, String ca) {

        /** Whether the server's certificate is checked against {@code ca}: then the nodes need a trust store. */
        public boolean verifies() {
            return mode == TlsMode.VERIFY_IDENTITY || mode == TlsMode.VERIFY_CA;
        }
    }

    public enum TlsMode {
        VERIFY_IDENTITY, VERIFY_CA, REQUIRED, DISABLED;

        /** As the schema spells it; also what the step option {@code --tls-mode} carries. */
        public String json() {
            return schemaName(this);
        }
    }

    /**
     * @param incremental null for a table imported whole on every run
     * @param target the Iceberg table it is written to; null exactly when the job's target format is {@code parquet}
     */
    public record Table(String name, List<String> columns, String splitBy, int mappers, Transform transform,
                        Incremental incremental, TableTarget target) {}

    /**
     * An incremental table: {@code append} imports keys above the watermark (a monotonically increasing integer
     * column), {@code lastmodified} the rows whose timestamp column lies in the run's window; {@code lagSeconds}
     * holds back the window's end so late commits are not missed.
     */
    public record Incremental(String column, Mode mode, int lagSeconds) {

        public enum Mode {
            APPEND, LASTMODIFIED;

            /** As the schema spells it; also what the run's window records and the step options carry. */
            public String json() {
                return schemaName(this);
            }
        }

        public boolean append() {
            return mode == Mode.APPEND;
        }
    }

    /** Whether any table of the job is incremental: such a job has a watermark and one run in flight at most. */
    public boolean incremental() {
        return source.tables().stream().anyMatch(t -> t.incremental() != null);
    }

    public record Transform(List<String> columns, String sql) {}

    /**
     * Where the data lands: Parquet files under {@code s3Uri}, or Iceberg tables in a Glue database whose warehouse is
     * {@code s3Uri}.
     *
     * @param database the Glue database; null for {@code parquet}
     * @param mode the tables' default {@link TableMode}; null for {@code parquet}
     */
    public record Target(String s3Uri, Format format, String database, TableMode mode) {

        /** The schema spells them {@code parquet}, {@code iceberg}. */
        public enum Format { PARQUET, ICEBERG }

        public boolean iceberg() {
            return format == Format.ICEBERG;
        }
    }

    /** How a run's rows reach an Iceberg table. */
    public enum TableMode {
        APPEND, MERGE;

        /** As the schema spells it. */
        public String json() {
            return schemaName(this);
        }
    }

    /**
     * An Iceberg target table, defaults resolved. mergeKey empty: the source's primary key, read on the cluster.
     *
     * @param mergeKey empty for {@code append}
     */
    public record TableTarget(String database, String table, TableMode mode, List<String> mergeKey) {

        public String qualifiedName() {
            return database + "." + table;
        }
    }

    public record Cluster(String releaseLabel, InstanceGroup master, CoreInstances core, int maxInstances,
                          int idleTimeoutSeconds, List<String> subnetIds, String securityConfiguration,
                          String logUri, Map<String, String> tags, List<Map<String, Object>> configurations,
                          List<BootstrapAction> bootstrapActions) {}

    public record InstanceGroup(List<String> instanceTypes) {}

    public record CoreInstances(List<String> instanceTypes, int count, Market market, int spotTimeoutMinutes) {

        /** Named as in the schema. */
        public enum Market { ON_DEMAND, SPOT }

        public boolean spot() {
            return market == Market.SPOT;
        }
    }

    public record BootstrapAction(String name, String path, List<String> args) {}

    public record SparkStep(String name, String mainClass, String jar, List<String> args) {}

    /**
     * When EventBridge Scheduler launches the job: the schedule sync keeps one schedule per scheduled job.
     *
     * @param expression {@code cron(...)} or {@code rate(...)}, checked by {@link ScheduleExpressions}
     * @param timezone an IANA name; cron expressions are read in it
     * @param enabled false: the schedule does not fire (the job can still be launched on demand)
     * @param flexibleWindowMinutes null for no flexible time window: the job launches at the scheduled time
     */
    public record Schedule(String expression, String timezone, boolean enabled, Integer flexibleWindowMinutes) {}

    /**
     * How long the job may go without a successful run before the reconcile reports it stale.
     *
     * @param derived false: declared as {@code freshness.maxAgeMinutes}; true: twice the longest gap between two
     *     firings of the job's enabled schedule ({@link ScheduleExpressions#longestGap}), rounded up to whole minutes
     */
    public record Freshness(int maxAgeMinutes, boolean derived) {}
}
