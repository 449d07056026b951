package dev.emringest.contract;

import dev.emringest.local.MariaDbServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The source tables both data-plane contract tests import: {@code typed} (one row per edge case: NULL in every
 * column, unicode incl. 4-byte, DECIMAL, DATETIME, TIMESTAMP, DATE, TINYINT(1), BIGINT beyond 2^53) and
 * {@code events} ({@value #BIG_ROWS} rows). Recreated on each call, so the test classes can share one server.
 */
final class SourceTables {

    static final int BIG_ROWS = 100_000;

    private SourceTables() {}

    static void create(MariaDbServer db) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS typed, events");
            s.execute("""
                    CREATE TABLE typed (
                      id INT PRIMARY KEY,
                      name VARCHAR(100),
                      amount DECIMAL(12,3),
                      big_amount DECIMAL(30,10),
                      created DATETIME,
                      updated TIMESTAMP NULL DEFAULT NULL,
                      birthday DATE,
                      active TINYINT(1),
                      views BIGINT,
                      ratio DOUBLE,
                      note TEXT
                    ) CHARACTER SET utf8mb4""");
            s.execute("""
                    INSERT INTO typed VALUES
                      (1, 'Zoë — 東京 ✓ 🚀', 1234.567, 12345678901234567890.0123456789, '2024-02-29 13:14:15',
                       '2024-03-01 00:00:01', '2024-02-29', 1, 9007199254740993, 1.5, 'naïve café'),
                      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                      (3, '', -0.001, -1.0000000001, '1999-12-31 23:59:59', '2038-01-19 03:14:07', '1970-01-01', 0,
                       -1, -2.25, ''),
                      (4, 'Ελληνικά, עברית, العربية', 0.000, 0, '1901-12-14 20:45:52', '1970-01-01 00:00:01',
                       '9999-12-31', 1, 0, 0, 'line1\\nline2\\ttab')""");
            s.execute("""
                    CREATE TABLE events (
                      id BIGINT PRIMARY KEY,
                      kind VARCHAR(20) NOT NULL,
                      amount DECIMAL(18,2),
                      happened DATETIME NOT NULL,
                      label VARCHAR(64)
                    ) CHARACTER SET utf8mb4""");
            s.execute("SET SESSION max_recursive_iterations = 1000000");
            s.execute("INSERT INTO events WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < "
                    + BIG_ROWS + ") SELECT n, ELT(1 + n % 3, 'view', 'click', 'buy'), "
                    + "IF(n % 10 = 0, NULL, n * 1.25), "
                    + "TIMESTAMPADD(SECOND, n * 37, '2024-01-01 00:00:00'), "
                    + "IF(n % 7 = 0, NULL, CONCAT('événement-', n)) FROM seq");
        }
    }

}
