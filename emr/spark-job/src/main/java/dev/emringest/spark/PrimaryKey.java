package dev.emringest.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A source table's primary key, the default merge key of an Iceberg target, read from the database's metadata. Over
 * JDBC the Spark job reads it itself; for the staged (Sqoop) path the import step runs this class while its
 * credential store exists, and the Spark step reads the file it wrote:
 *
 * <pre>hadoop dev.emringest.spark.PrimaryKey JDBC_URL USER PROVIDER_URI ALIAS TABLE OUTPUT_URI</pre>
 *
 * The file holds the key's columns in key order, comma-separated. The password is read from the credential store by
 * alias and used only to connect.
 */
public final class PrimaryKey {

    private PrimaryKey() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 6) {
            System.err.println("usage: PrimaryKey JDBC_URL USER PROVIDER_URI ALIAS TABLE OUTPUT_URI");
            System.exit(2);
        }
        Configuration conf = new Configuration();
        conf.set(IngestJob.CREDENTIAL_PROVIDER_PATH, args[2]);
        List<String> key = read(args[0], args[1], SourcePassword.fromStore(conf, args[3]), args[4]);
        Path output = new Path(args[5]);
        try (OutputStream out = output.getFileSystem(conf).create(output, true)) {
            out.write((String.join(",", key) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        System.err.println("PrimaryKey: table " + args[4] + " has primary key (" + String.join(", ", key)
                + "), written to " + output);
    }

    /**
     * The table's primary key columns in key order.
     *
     * @throws IllegalStateException when the table has none: a merge then needs the key named in the definition
     */
    static List<String> read(String url, String user, char[] password, String table) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", new String(password));
        Arrays.fill(password, '\0');
        TreeMap<Integer, String> columns = new TreeMap<>();
        try (Connection connection = SourceQueries.open(url, properties);
             ResultSet keys = connection.getMetaData().getPrimaryKeys(connection.getCatalog(), null, table)) {
            while (keys.next()) {
                columns.put(keys.getInt("KEY_SEQ"), keys.getString("COLUMN_NAME"));
            }
        } catch (SQLException e) {
            // The driver's message names the URL and user at most, never the password.
            throw new IllegalStateException("cannot read the primary key of table " + table + " from " + url + ": "
                    + e.getMessage(), e);
        }
        if (columns.isEmpty()) {
            throw new IllegalStateException("table " + table + " has no primary key: a merge needs its key named in"
                    + " the job definition (source.tables[].target.mergeKey)");
        }
        return new ArrayList<>(columns.values());
    }

    /** The key the import step wrote to {@code uri}. */
    static List<String> readFile(Configuration conf, String uri) {
        Path path = new Path(uri);
        try (InputStream in = path.getFileSystem(conf).open(path)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (text.isEmpty()) {
                throw new IllegalStateException("the primary key file " + uri + " is empty");
            }
            List<String> key = Arrays.stream(text.split(",", -1)).map(String::trim).toList();
            if (key.contains("")) {
                throw new IllegalStateException("the primary key file " + uri + " names an empty column: '" + text
                        + "'");
            }
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the source's primary key from " + uri + " (the import step"
                    + " writes it)", e);
        }
    }

}
