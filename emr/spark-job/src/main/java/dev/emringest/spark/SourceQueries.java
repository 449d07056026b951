package dev.emringest.spark;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Properties;

/**
 * The driver's own small queries to the source database (a split column's bounds, a key's maximum, a table's primary
 * key): one connection each, from the Spark driver, with no Spark job. Spark's JDBC reader would open two connections
 * and run a job for one row.
 */
final class SourceQueries {

    private SourceQueries() {}

    static Connection open(String url, Properties properties) throws SQLException {
        try {
            Class.forName(IngestJob.MYSQL_DRIVER);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the MySQL driver " + IngestJob.MYSQL_DRIVER + " is not on the classpath");
        }
        return DriverManager.getConnection(url, properties);
    }

    /**
     * The query's single row, each value typed as Spark's JDBC reader types it: integers and decimals as
     * {@link BigDecimal} (so an unsigned BIGINT fits), DATE as {@link java.sql.Date}, DATETIME and TIMESTAMP as
     * {@link java.sql.Timestamp}, anything else as the driver gives it; SQL NULL as null.
     *
     * @throws IllegalStateException naming {@code what} when the query fails (the driver's message names the URL and
     *                               user at most, never the password)
     */
    static Object[] row(String url, Properties properties, String sql, String what) {
        try (Connection connection = open(url, properties);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery(sql)) {
            ResultSetMetaData meta = result.getMetaData();
            Object[] row = new Object[meta.getColumnCount()];
            if (!result.next()) {
                throw new IllegalStateException(what + ": the query returned no row");
            }
            for (int i = 1; i <= row.length; i++) {
                row[i - 1] = switch (meta.getColumnType(i)) {
                    case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT, Types.DECIMAL, Types.NUMERIC ->
                            result.getBigDecimal(i);
                    case Types.DATE -> result.getDate(i);
                    case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> result.getTimestamp(i);
                    default -> result.getObject(i);
                };
            }
            return row;
        } catch (SQLException e) {
            throw new IllegalStateException(what + " from " + url + ": " + e.getMessage(), e);
        }
    }
}
