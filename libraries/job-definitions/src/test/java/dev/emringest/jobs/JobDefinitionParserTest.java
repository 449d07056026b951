package dev.emringest.jobs;

import static dev.emringest.jobs.DefinitionEdits.edit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.emringest.jobs.JobDefinition.Freshness;
import dev.emringest.jobs.JobDefinition.Schedule;
import dev.emringest.json.JsonDocuments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JobDefinitionParserTest {

    private static final Path EXAMPLES = Path.of("../../examples");
    private final JobDefinitionParser parser = new JobDefinitionParser("/emr-ingest");

    private static String example(String name) throws IOException {
        return Files.readString(EXAMPLES.resolve(name));
    }

    @Test
    void mergesTheExampleJobOverTheDefaults() throws IOException {
        JobDefinition d = parser.parse("orders", example("defaults.json"), example("jobs/orders.json"), "v1");

        assertEquals("emr-7.4.0", d.cluster().releaseLabel(), "release label comes from the defaults");
        assertEquals(List.of("m5.xlarge"), d.cluster().core().instanceTypes());
        assertEquals(2, d.cluster().core().count());
        assertEquals(List.of("m5.xlarge"), d.cluster().master().instanceTypes(), "objects merge key by key");
        assertEquals(1, d.cluster().configurations().size(), "the job adds what the defaults lack");
        assertEquals(900, d.cluster().idleTimeoutSeconds());
        assertEquals("data-platform", d.cluster().tags().get("team"));
        assertEquals(2, d.source().tables().size());
        assertEquals("SELECT id, country, created_at FROM source", d.source().tables().get(1).transform().sql());
        assertEquals(4, d.source().tables().get(0).mappers());
        assertEquals("spark-defaults", d.cluster().configurations().get(0).get("Classification"));
        assertEquals("v1", d.version());
        assertEquals(new Schedule("cron(0 2 * * ? *)", "UTC", true, null), d.schedule());
        assertEquals(new Freshness(2880, true), d.freshness(), "twice the day between two firings");
    }

    @Test
    void theJobsArraysReplaceTheDefaults() {
        JobDefinition d = parser.parse("orders",
                "{\"cluster\": {\"core\": {\"instanceTypes\": [\"m5.xlarge\"], \"count\": 2}}}",
                """
                {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                            "passwordParameter": "/emr-ingest/secrets/db", "tables": [{"name": "t"}]},
                 "target": {"s3Uri": "s3://bucket/x"},
                 "cluster": {"releaseLabel": "emr-7.1.0", "master": {"instanceTypes": ["m5.xlarge"]},
                             "core": {"instanceTypes": ["m5a.xlarge", "m6a.xlarge"], "market": "SPOT"}}}""", "v1");
        assertEquals(List.of("m5a.xlarge", "m6a.xlarge"), d.cluster().core().instanceTypes());
        assertEquals(2, d.cluster().core().count(), "a key the job leaves out keeps its default");
        assertTrue(d.cluster().core().spot());
        assertEquals(20, d.cluster().core().spotTimeoutMinutes());
    }

    @Test
    void appliesSchemaDefaultsToAMinimalDefinition() {
        String job = """
                {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                            "passwordParameter": "/emr-ingest/secrets/db", "tables": [{"name": "t"}]},
                 "target": {"s3Uri": "s3://bucket/x"},
                 "cluster": {"releaseLabel": "emr-7.1.0", "master": {"instanceTypes": ["m5.xlarge"]},
                             "core": {"instanceTypes": ["m5.xlarge"], "count": 1}}}""";
        JobDefinition d = parser.parse("t", null, job, "v1");
        assertEquals(JobDefinition.Importer.SQOOP, d.importer());
        assertEquals("avro", d.source().stagingFormat(), "Sqoop/Kite Parquet staging fails on DECIMAL");
        assertEquals(4, d.source().tables().get(0).mappers());
        assertEquals(3600, d.cluster().idleTimeoutSeconds());
        assertEquals(10, d.cluster().maxInstances());
        assertEquals(JobDefinition.CoreInstances.Market.ON_DEMAND, d.cluster().core().market());
        assertNull(d.schedule(), "no schedule: launched on demand only");
        assertNull(d.freshness(), "no freshness and no schedule to derive it from");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cron(0 2 * * ? *)", "cron(0/15 8-17 ? * MON-FRI *)", "cron(0 3 L * ? *)",
        "cron(0 3 ? * 6L *)", "cron(0 3 ? * 3#2 *)", "cron(0 3 15W * ? *)", "cron(0 3 LW * ? *)",
        "cron(0 3 1,15 JAN,JUL ? 2026-2030)", "rate(1 minute)", "rate(5 minutes)", "rate(1 day)", "rate(12 hours)"})
    void readsASchedule(String expression) throws IOException {
        String job = edit(example("jobs/orders.json"), "/schedule", "{\"expression\": \"" + expression + "\"}");
        JobDefinition d = parser.parse("orders", example("defaults.json"), job, "v1");
        assertEquals(new Schedule(expression, "UTC", true, null), d.schedule(), "UTC, enabled, no flexible window");
    }

    @Test
    void theDefaultsScheduleFillsInAJobsOwn() throws IOException {
        String defaults = edit(example("defaults.json"), "/schedule",
                "{\"timezone\": \"Europe/Berlin\", \"flexibleWindowMinutes\": 15}");
        String job = edit(example("jobs/orders.json"), "/schedule", "{\"expression\": \"rate(1 day)\"}");
        assertEquals(new Schedule("rate(1 day)", "Europe/Berlin", true, 15),
                parser.parse("orders", defaults, job, "v1").schedule());
        String own = edit(edit(job, "/schedule/timezone", "\"UTC\""), "/schedule/enabled", "false");
        assertEquals(new Schedule("rate(1 day)", "UTC", false, 15), parser.parse("orders", defaults, own, "v1").schedule(),
                "the job's own fields win");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{\"expression\": \"rate(1 day)\", \"timezone\": \"Europe/Berlin\"}",
        "{\"timezone\": \"Europe/Berlin\"}"})
    void aScheduleInTheDefaultsSchedulesNoJob(String schedule) throws IOException {
        String defaults = edit(example("defaults.json"), "/schedule", schedule);
        String job = edit(example("jobs/orders.json"), "/schedule", null);
        assertNull(parser.parse("orders", defaults, job, "v1").schedule());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        minute 60              | /schedule/expression            | "cron(60 2 * * ? *)"          | schedule.expression | cron minutes '60' must be 0-59
        hour 24                | /schedule/expression            | "cron(0 24 * * ? *)"          | schedule.expression | cron hours '24' must be 0-23
        day-of-month 32        | /schedule/expression            | "cron(0 2 32 * ? *)"          | schedule.expression | cron day-of-month '32' must be 1-31
        day-of-month 0         | /schedule/expression            | "cron(0 2 0 * ? *)"           | schedule.expression | cron day-of-month '0' must be 1-31
        month 13               | /schedule/expression            | "cron(0 2 1 13 ? *)"          | schedule.expression | cron month '13' must be 1-12 or JAN-DEC
        month FOO              | /schedule/expression            | "cron(0 2 1 FOO ? *)"         | schedule.expression | cron month 'FOO' must be 1-12 or JAN-DEC
        day-of-week 8          | /schedule/expression            | "cron(0 2 ? * 8 *)"           | schedule.expression | cron day-of-week '8' must be 1-7 or SUN-SAT
        year 1969              | /schedule/expression            | "cron(0 2 * * ? 1969)"        | schedule.expression | cron year '1969' must be 1970-2199
        year 2200              | /schedule/expression            | "cron(0 2 * * ? 2200)"        | schedule.expression | cron year '2200' must be 1970-2199
        5 fields               | /schedule/expression            | "cron(0 2 * * ?)"             | schedule.expression | cron has 5 fields, must have 6
        7 fields               | /schedule/expression            | "cron(0 2 * * ? * *)"         | schedule.expression | cron has 7 fields, must have 6
        both days given        | /schedule/expression            | "cron(0 2 1 * MON *)"         | schedule.expression | exactly one of day-of-month and day-of-week
        both days any          | /schedule/expression            | "cron(0 2 * * * *)"           | schedule.expression | exactly one of day-of-month and day-of-week
        neither day given      | /schedule/expression            | "cron(0 2 ? * ? *)"           | schedule.expression | exactly one of day-of-month and day-of-week
        ? in minutes           | /schedule/expression            | "cron(? 2 * * ? *)"           | schedule.expression | cron minutes does not take '?'
        increment 0            | /schedule/expression            | "cron(*/0 2 * * ? *)"         | schedule.expression | cron minutes increment in '*/0' must be 1-59
        backwards range        | /schedule/expression            | "cron(5-2 2 * * ? *)"         | schedule.expression | cron minutes range '5-2' must not run backwards
        / in day-of-week       | /schedule/expression            | "cron(0 2 ? * 1/2 *)"         | schedule.expression | cron day-of-week does not take '/'
        # in a list            | /schedule/expression            | "cron(0 2 ? * 3#1,6#3 *)"     | schedule.expression | cron day-of-week '3#1' must stand alone
        sixth weekday          | /schedule/expression            | "cron(0 2 ? * 3#6 *)"         | schedule.expression | cron day-of-week '3#6' must be <day 1-7>#<1-5>
        double space           | /schedule/expression            | "cron(0  2 * * ? *)"          | schedule.expression | cron fields must be separated by single spaces
        empty cron             | /schedule/expression            | "cron()"                      | schedule.expression | cron() must have 6 fields
        rate of 0              | /schedule/expression            | "rate(0 minutes)"             | schedule.expression | rate value '0' must be a positive whole number
        rate of -1             | /schedule/expression            | "rate(-1 days)"               | schedule.expression | rate value '-1' must be a positive whole number
        rate 1 plural          | /schedule/expression            | "rate(1 minutes)"             | schedule.expression | rate(1 ...) takes the singular unit 'minute'
        rate 2 singular        | /schedule/expression            | "rate(2 minute)"              | schedule.expression | a rate above 1 takes the plural unit 'minutes'
        rate in weeks          | /schedule/expression            | "rate(5 weeks)"               | schedule.expression | rate unit 'weeks' must be minute(s), hour(s) or day(s)
        one-time at            | /schedule/expression            | "at(2026-01-01T00:00:00)"     | schedule.expression | must be cron(...) or rate(...)
        unknown zone           | /schedule/timezone              | "Mars/Olympus"                | schedule.timezone   | must be an IANA time zone name
        offset zone            | /schedule/timezone              | "+01:00"                      | schedule.timezone   | must be an IANA time zone name
        UTC with an offset     | /schedule/timezone              | "UTC+1"                       | schedule.timezone   | must be an IANA time zone name
        window 0               | /schedule/flexibleWindowMinutes | 0                             | schedule.flexibleWindowMinutes | must be at least 1
        window 1441            | /schedule/flexibleWindowMinutes | 1441                          | schedule.flexibleWindowMinutes | must be at most 1440
        enabled as text        | /schedule/enabled               | "yes"                         | schedule.enabled    | must be [boolean]
        unknown key            | /schedule/colour                | "red"                         | schedule.colour     | is not allowed
        missing expression     | /schedule/expression            |                               | schedule.expression | is required
        """)
    void rejectsABadScheduleNamingTheField(String name, String pointer, String value, String field, String rule)
            throws IOException {
        String job = edit(example("jobs/orders.json"), pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.getMessage().startsWith("job 'orders': "), e.getMessage());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(field + ": ") && p.contains(rule)),
                () -> "expected " + field + ": ..." + rule + " in " + e.problems());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {5, 1500, 527040})
    void readsADeclaredFreshness(int maxAgeMinutes) throws IOException {
        String job = edit(example("jobs/orders.json"), "/freshness", "{\"maxAgeMinutes\": " + maxAgeMinutes + "}");
        assertEquals(new Freshness(maxAgeMinutes, false), parser.parse("orders", example("defaults.json"), job, "v1")
                .freshness(), "the declared freshness wins over the schedule's");
    }

    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource(delimiter = '|', textBlock = """
        cron(0 2 * * ? *)             | UTC           | 2880
        rate(15 minutes)              | UTC           | 30
        # twice Friday 17:45 to Monday 08:00 over the autumn DST change (Sunday Oct 25): 63 h 15 min
        cron(0/15 8-17 ? * MON-FRI *) | Europe/Berlin | 7590
        # twice the 47 h over the spring DST change
        cron(30 2 * * ? *)            | Europe/Berlin | 5640
        # twice 2026-01-01 to 2027-01-01: more than a declared freshness may be
        cron(0 0 1 1 ? *)             | UTC           | 1051200
        """)
    void derivesFreshnessFromAnEnabledSchedule(String expression, String timezone, int maxAgeMinutes)
            throws IOException {
        String job = edit(example("jobs/orders.json"), "/schedule",
                "{\"expression\": \"" + expression + "\", \"timezone\": \"" + timezone + "\"}");
        assertEquals(new Freshness(maxAgeMinutes, true),
                parser.parse("orders", example("defaults.json"), job, "v1").freshness());
    }

    @Test
    void aPausedJobIsNeverStaleUnlessItSaysSo() throws IOException {
        String paused = edit(example("jobs/orders.json"), "/schedule/enabled", "false");
        assertNull(parser.parse("orders", example("defaults.json"), paused, "v1").freshness());
        String declared = edit(paused, "/freshness", "{\"maxAgeMinutes\": 1500}");
        assertEquals(new Freshness(1500, false), parser.parse("orders", example("defaults.json"), declared, "v1")
                .freshness());
    }

    @Test
    void theDefaultsFreshnessAppliesToEveryJob() throws IOException {
        String defaults = edit(example("defaults.json"), "/freshness", "{\"maxAgeMinutes\": 4320}");
        String unscheduled = edit(example("jobs/orders.json"), "/schedule", null);
        assertEquals(new Freshness(4320, false), parser.parse("orders", defaults, unscheduled, "v1").freshness(),
                "unlike the defaults' schedule, it needs no freshness of the job's own");
        assertEquals(new Freshness(4320, false),
                parser.parse("orders", defaults, example("jobs/orders.json"), "v1").freshness(),
                "declared, so the schedule's is not derived");
        String own = edit(unscheduled, "/freshness/maxAgeMinutes", "60");
        assertEquals(new Freshness(60, false), parser.parse("orders", defaults, own, "v1").freshness());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        zero              | /freshness/maxAgeMinutes | 0              | freshness.maxAgeMinutes | must be at least 5
        under 5 minutes   | /freshness/maxAgeMinutes | 4              | freshness.maxAgeMinutes | must be at least 5
        over 366 days     | /freshness/maxAgeMinutes | 527041         | freshness.maxAgeMinutes | must be at most 527040
        as text           | /freshness/maxAgeMinutes | "x"            | freshness.maxAgeMinutes | is string, must be [integer]
        a fraction        | /freshness/maxAgeMinutes | 90.5           | freshness.maxAgeMinutes | is number, must be [integer]
        missing           | /freshness               | {}             | freshness.maxAgeMinutes | is required
        unknown key       | /freshness/maxAgeHours   | 2              | freshness.maxAgeHours   | is not allowed
        not an object     | /freshness               | 60             | freshness               | must be [object]
        """)
    void rejectsABadFreshnessNamingTheField(String name, String pointer, String value, String field, String rule)
            throws IOException {
        String job = edit(example("jobs/orders.json"), pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(field + ": ") && p.contains(rule)),
                () -> "expected " + field + ": ..." + rule + " in " + e.problems());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        missing jdbc url      | /source/jdbcUrl                              |                         | source.jdbcUrl
        wrong type            | /cluster/core/count                          | "two"                   | cluster.core.count
        unknown field         | /source/tables/0/colour                      | "red"                   | source.tables[0].colour
        bad table name        | /source/tables/0/name                        | "orders;drop"           | source.tables[0].name
        option as value       | /source/username                             | "--password"            | source.username
        idle timeout too low  | /cluster/idleTimeoutSeconds                  | 30                      | cluster.idleTimeoutSeconds
        too many instances    | /cluster/core/count                          | 12                      | cluster.core.count
        secret outside prefix | /source/passwordParameter                    | "/other/secret"         | source.passwordParameter
        local infile option   | /source/jdbcUrl                              | "jdbc:mysql://h:3306/d?allowLoadLocalInfile=true" | source.jdbcUrl
        password in url       | /source/jdbcUrl                              | "jdbc:mysql://h:3306/d?password=x" | source.jdbcUrl
        no sqoop after 7.4    | /cluster/releaseLabel                        | "emr-7.5.0"             | cluster.releaseLabel
        too old for java 17   | /cluster/releaseLabel                        | "emr-6.15.0"            | cluster.releaseLabel
        duplicate table       | /source/tables/1/name                        | "orders"                | source.tables[1].name
        reserved tag          | /cluster/tags/emr-ingest:job                 | "x"                     | cluster.tags
        """)
    void namesTheJobAndTheField(String name, String pointer, String value, String field) throws IOException {
        String job = edit(example("jobs/orders.json"), pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.getMessage().startsWith("job 'orders': "), e.getMessage());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(field)),
                () -> "expected a problem naming " + field + " in " + e.problems());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        both password sources  | /source/secret             | {"id": "emr-ingest/shop"}                    | source.secret: give either
        neither                | /source/passwordParameter  |                                              | source.passwordParameter: is required
        no user without secret | /source/username           |                                              | source.username: is required
        secret without id      | /source/secret             | {"passwordKey": "pw"}                        | source.secret.id: is required
        secret id with a space | /source/secret             | {"id": "shop db"}                            | source.secret.id: must match
        secret id as a number  | /source/secret             | {"id": 42}                                   | source.secret.id: is integer
        empty password key     | /source/secret             | {"id": "emr-ingest/shop", "passwordKey": ""} | source.secret.passwordKey: must match
        unknown secret field   | /source/secret             | {"id": "emr-ingest/shop", "version": "1"}    | source.secret.version: is not allowed
        useSSL in the URL      | /source/jdbcUrl            | "jdbc:mysql://h:3306/d?useSSL=false"         | source.jdbcUrl: option 'useSSL' is not allowed (source.tls decides TLS
        encoded sslMode        | /source/jdbcUrl            | "jdbc:mysql://h:3306/d?ssl%4Dode=DISABLED"   | source.jdbcUrl: option 'sslMode' is not allowed (source.tls decides TLS
        trust store in the URL | /source/jdbcUrl            | "jdbc:mysql://h/d?trustCertificateKeyStorePassword=x" | source.jdbcUrl: option 'trustCertificateKeyStorePassword' is not allowed
        unknown TLS mode       | /source/tls/mode           | "verify-full"                                | source.tls.mode: must be one of
        TLS mode as boolean    | /source/tls/mode           | true                                         | source.tls.mode: must be one of
        CA over https          | /source/tls/ca             | "https://truststore.example/ca.pem"          | source.tls.ca: must match
        CA that is a bucket    | /source/tls/ca             | "s3://certs"                                 | source.tls.ca: must match
        CA that checks nothing | /source/tls                | {"mode": "required", "ca": "s3://certs/ca.pem"} | source.tls.ca: only with source.tls.mode verify-identity or verify-ca
        unknown TLS field      | /source/tls/verify         | true                                         | source.tls.verify: is not allowed
        """)
    void rejectsABadSourceNamingTheField(String name, String pointer, String value, String problem)
            throws IOException {
        String job = edit(example("jobs/orders.json"), pointer, value);
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith(problem)),
                () -> "expected '" + problem + "...' in " + e.problems());
    }

    @Test
    void aSecretMayGiveTheUserAndTheServerAndTlsVerifiesTheRdsCaByDefault() throws IOException {
        JobDefinition plain = parser.parse("orders", example("defaults.json"), example("jobs/orders.json"), "v1");
        assertEquals(new JobDefinition.Tls(JobDefinition.TlsMode.VERIFY_IDENTITY, null), plain.source().tls());
        assertTrue(plain.source().tls().verifies());
        assertNull(plain.source().secret());

        String job = edit(edit(edit(edit(example("jobs/orders.json"), "/source/jdbcUrl", null), "/source/username",
                null), "/source/passwordParameter", null), "/source/secret", "{\"id\": \"rds!db-0123-abcd\"}");
        String withTls = edit(job, "/source/tls", "{\"mode\": \"verify-ca\", \"ca\": \"s3://certs/shop/ca.pem\"}");
        JobDefinition.Source source = parser.parse("orders", example("defaults.json"), withTls, "v1").source();
        assertNull(source.jdbcUrl());
        assertNull(source.username());
        assertNull(source.passwordParameter());
        assertEquals(new JobDefinition.Secret("rds!db-0123-abcd", "password"), source.secret());
        assertEquals(new JobDefinition.Tls(JobDefinition.TlsMode.VERIFY_CA, "s3://certs/shop/ca.pem"), source.tls());
        String disabled = edit(job, "/source/tls/mode", "\"disabled\"");
        assertEquals(false, parser.parse("orders", example("defaults.json"), disabled, "v1").source().tls().verifies());
    }

    @Test
    void theRunsDatabaseConnectionsAreBoundedByMaxConnections() throws IOException {
        assertEquals(8, parser.parse("orders", example("defaults.json"), example("jobs/orders.json"), "v1").source()
                .maxConnections(), "modest by default");
        String many = edit(example("jobs/orders.json"), "/source/tables/0/mappers", "12");
        assertEquals(12, parser.parse("orders", example("defaults.json"), many, "v1").source().maxConnections(),
                "without the field, a definition's widest table still runs");
        String bounded = edit(many, "/source/maxConnections", "6");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), bounded, "v1"));
        assertEquals(List.of("source.tables[0].mappers: 12 parallel reads exceed source.maxConnections (6), the"
                + " run's bound on database connections"), e.problems());
        for (String bad : List.of("0", "257", "\"8\"")) {
            String job = edit(example("jobs/orders.json"), "/source/maxConnections", bad);
            JobDefinitionException invalid = assertThrows(JobDefinitionException.class,
                    () -> parser.parse("orders", example("defaults.json"), job, "v1"));
            assertTrue(invalid.problems().stream().anyMatch(p -> p.startsWith("source.maxConnections: ")),
                    invalid.problems().toString());
        }
    }

    @Test
    void sqoopAfterEmr740IsRejectedNamingTheReleaseLabel() throws IOException {
        String job = edit(example("jobs/orders.json"), "/cluster/releaseLabel", "\"emr-7.5.0\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertEquals(List.of("cluster.releaseLabel: importer 'sqoop' needs emr-7.4.0 or earlier (emr-7.5.0 ships no"
                + " Sqoop; use importer 'spark-jdbc')"), e.problems());
    }

    @ParameterizedTest(name = "spark-jdbc on {0}")
    @CsvSource({"emr-7.0.0", "emr-7.4.0", "emr-7.5.0", "emr-7.10.0", "emr-8.0.0"})
    void sparkJdbcRunsOnEverySupportedRelease(String releaseLabel) throws IOException {
        String job = edit(edit(example("jobs/orders.json"), "/cluster/releaseLabel", "\"" + releaseLabel + "\""),
                "/importer", "\"spark-jdbc\"");
        JobDefinition d = parser.parse("orders", example("defaults.json"), job, "v1");
        assertEquals(JobDefinition.Importer.SPARK_JDBC, d.importer());
        assertEquals(releaseLabel, d.cluster().releaseLabel());
    }

    @Test
    void sparkJdbcStillNeedsEmr700OrLater() throws IOException {
        String job = edit(edit(example("jobs/orders.json"), "/cluster/releaseLabel", "\"emr-6.15.0\""),
                "/importer", "\"spark-jdbc\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("cluster.releaseLabel: emr-6.15.0 is older")),
                e.problems().toString());
    }

    @Test
    void unknownImporterIsRejectedByTheSchema() throws IOException {
        String job = edit(example("jobs/orders.json"), "/importer", "\"dms\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", example("defaults.json"), job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("importer")), e.problems().toString());
    }

    @Test
    void malformedJsonSaysWhereWithoutQuotingTheDocument() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", null, "{\"source\": {\"username\": \"secret-ish\",", "v1"));
        assertTrue(e.getMessage().startsWith("job 'orders': jobs/orders: not valid JSON (line 1"), e.getMessage());
        assertTrue(!e.getMessage().contains("secret-ish"), e.getMessage());
    }

    private static final String INCREMENTAL = """
            {"source": {"jdbcUrl": "jdbc:mysql://db:3306/shop", "username": "u",
                        "passwordParameter": "/emr-ingest/secrets/db",
                        "tables": [{"name": "orders", "incremental": {"column": "updated_at", "mode": "lastmodified",
                                                                      "lagSeconds": 60}},
                                   {"name": "events", "incremental": {"column": "id", "mode": "%s"}}]},
             "target": {"s3Uri": "s3://bucket/x"},
             "cluster": {"releaseLabel": "emr-7.1.0", "master": {"instanceTypes": ["m5.xlarge"]},
                         "core": {"instanceTypes": ["m5.xlarge"], "count": 2}}}""";

    @Test
    void readsIncrementalTables() {
        JobDefinition d = parser.parse("orders", "{}", INCREMENTAL.formatted("append"), "v1");
        assertTrue(d.incremental());
        assertEquals(new JobDefinition.Incremental("updated_at", JobDefinition.Incremental.Mode.LASTMODIFIED, 60),
                d.source().tables().get(0).incremental());
        assertEquals(new JobDefinition.Incremental("id", JobDefinition.Incremental.Mode.APPEND, 0), d.source().tables().get(1).incremental());
    }

    @Test
    void anUnknownIncrementalModeNamesTheField() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", "{}", INCREMENTAL.formatted("merge"), "v1"));
        assertTrue(e.getMessage().contains("source.tables[1].incremental.mode"), e.getMessage());
    }

    @Test
    void theSchemaIsAValidDraft202012Schema() throws IOException {
        // The functions skip this check at start-up; here the validator checks the schema against the meta-schema.
        String schema = new String(JobSchema.class.getResourceAsStream(JobSchema.RESOURCE).readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        var validator = new dev.harrel.jsonschema.ValidatorFactory()
                .withJsonNodeFactory(new dev.harrel.jsonschema.providers.JakartaJsonNode.Factory()).createValidator();
        validator.registerSchema(java.net.URI.create("urn:test"), JsonDocuments.read(schema));
        var broken = schema.replaceFirst("\"type\": \"object\"", "\"type\": \"objekt\"");
        assertThrows(dev.harrel.jsonschema.InvalidSchemaException.class,
                () -> validator.registerSchema(java.net.URI.create("urn:broken"), JsonDocuments.read(broken)));
    }

    @Test
    void errorsStateTheRuleNotTheValue() {
        String job = INCREMENTAL.formatted("append").replace("\"username\": \"u\"", "\"username\": \"Pa55 w0rd!\"");
        JobDefinitionException e = assertThrows(JobDefinitionException.class, () -> parser.parse("orders", "{}", job, "v1"));
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("source.username: must match ")), e.problems().toString());
        assertTrue(!e.getMessage().contains("Pa55"), e.getMessage());
    }

    @Test
    void eachMissingFieldIsNamed() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", null, "{\"source\": {\"tables\": [{}]}, \"extra\": 1}", "v1"));
        // source.jdbcUrl and source.username are rules after the schema: a source.secret may give them.
        for (String field : List.of("target: is required", "cluster: is required",
                "source.tables[0].name: is required", "extra: is not allowed")) {
            assertTrue(e.problems().contains(field), () -> field + " missing from " + e.problems());
        }
    }

    @Test
    void aFieldGivenTwiceIsNamed() {
        JobDefinitionException e = assertThrows(JobDefinitionException.class,
                () -> parser.parse("orders", null, "{\"target\": {}, \"target\": {}}", "v1"));
        assertTrue(e.getMessage().contains("jobs/orders: not valid JSON: field 'target' appears twice"), e.getMessage());
    }
}
