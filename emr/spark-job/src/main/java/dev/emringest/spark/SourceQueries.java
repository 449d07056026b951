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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The driver's own small queries to the source database (a split column's bounds, a key's maximum, a table's primary
 * key): one connection each, from the Spark driver, with no Spark job. Spark's JDBC reader would open two connections
 * and run a job for one row.
 */
final class SourceQueries {

    /** A connection being opened ahead ({@link #openAhead}) with these URL and properties; null when none is. */
    private static FutureTask<Connection> ahead;
    private static String aheadUrl;
    private static Properties aheadProperties;

    private SourceQueries() {}

    /**
     * Starts opening a connection on another thread, so that Connector/J's classes, the TLS context and the handshake
     * (about 1 s on a fresh JVM, most of it class loading) overlap SparkContext's start instead of following it. The
     * first {@link #row} with the same URL and properties takes it; {@link #closeAhead} closes it if none did.
     */
    static synchronized void openAhead(String url, Properties properties) {
        closeAhead();
        ahead = new FutureTask<>(() -> open(url, properties));
        aheadUrl = url;
        aheadProperties = (Properties) properties.clone();
        Thread thread = new Thread(ahead, "emr-ingest-connect-ahead");
        thread.setDaemon(true);
        thread.start();
    }

    /** Closes the connection opened ahead if no query took it. */
    static synchronized void closeAhead() {
        if (ahead != null) {
            try {
                ahead.get().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | SQLException e) {
                // It failed or fails to close: nothing of it is left to use.
            }
            ahead = null;
        }
    }

    /** The connection opened ahead with these URL and properties, or a new one. */
    private static Connection connect(String url, Properties properties) throws SQLException {
        FutureTask<Connection> opened;
        synchronized (SourceQueries.class) {
            opened = ahead != null && aheadUrl.equals(url) && aheadProperties.equals(properties) ? ahead : null;
            if (opened != null) {
                ahead = null;
            }
        }
        if (opened == null) {
            return open(url, properties);
        }
        try {
            return opened.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while connecting", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

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
        try (Connection connection = connect(url, properties);
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
