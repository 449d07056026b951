package dev.emringest.localrun;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The example job's source database: {@code orders} and {@code customers} as {@code examples/jobs/orders.json} reads
 * them, with deterministic rows of varied types (NULLs, unicode up to 4-byte characters, decimals, timestamps).
 * Timestamps are written as instants in a UTC session, whatever this machine's time zone.
 */
final class ExampleSource {

    static final int ORDERS = 5000;
    static final int CUSTOMERS = 500;
    private static final String[] STATUSES = {"new", "paid", "shipped", "cancelled", "returned"};
    private static final String[] COUNTRIES = {"PT", "DE", "JP", "BR", "US", "KR", "FR", "IN"};
    private static final String[] NAMES = {"Zoë", "Jürgen", "東京商事", "Ana", "Łukasz", "Søren", "Kim 🚀", "O'Brien"};
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private ExampleSource() {}

    /** Drops and creates both tables and fills them. */
    static void create(String jdbcUrl, String user, String password) throws SQLException {
        String utc = jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?")
                + "connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true";
        try (Connection c = DriverManager.getConnection(utc, user, password);
             Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders, customers");
            s.execute("""
                    CREATE TABLE customers (
                      id INT PRIMARY KEY,
                      name VARCHAR(100) NOT NULL,
                      country CHAR(2),
                      created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                    ) CHARACTER SET utf8mb4""");
            s.execute("""
                    CREATE TABLE orders (
                      id BIGINT PRIMARY KEY,
                      customer_id INT NOT NULL,
                      status VARCHAR(20) NOT NULL,
                      total DECIMAL(12,2),
                      created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                      updated_at TIMESTAMP NULL,
                      note VARCHAR(200)
                    ) CHARACTER SET utf8mb4""");
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("INSERT INTO customers VALUES (?, ?, ?, ?)")) {
                for (int i = 1; i <= CUSTOMERS; i++) {
                    p.setInt(1, i);
                    p.setString(2, NAMES[i % NAMES.length] + " " + i);
                    if (i % 20 == 0) {
                        p.setNull(3, Types.CHAR);
                    } else {
                        p.setString(3, COUNTRIES[i % COUNTRIES.length]);
                    }
                    p.setTimestamp(4, Timestamp.from(START.plus(i * 61L, ChronoUnit.MINUTES)));
                    p.addBatch();
                }
                p.executeBatch();
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (int i = 1; i <= ORDERS; i++) {
                    Instant created = START.plus(i * 97L, ChronoUnit.MINUTES);
                    p.setLong(1, i);
                    p.setInt(2, i * 7 % CUSTOMERS + 1);
                    p.setString(3, STATUSES[i % STATUSES.length]);
                    if (i % 50 == 0) {
                        p.setNull(4, Types.DECIMAL);
                    } else {
                        p.setBigDecimal(4, BigDecimal.valueOf(i * 3719L % 1_000_000, 2));
                    }
                    p.setTimestamp(5, Timestamp.from(created));
                    if (i % 3 == 0) {
                        p.setNull(6, Types.TIMESTAMP);
                    } else {
                        p.setTimestamp(6, Timestamp.from(created.plus(i % 13, ChronoUnit.HOURS)));
                    }
                    p.setString(7, i % 10 == 0 ? null : "order " + i + " für " + NAMES[i % NAMES.length]);
                    p.addBatch();
                }
                p.executeBatch();
            }
            c.commit();
        }
    }
}
