package dev.emringest.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real MariaDB server process on a free loopback port, with its data directory, socket and pid file in a temp
 * directory: the source database of the data-plane contract tests. It fails loudly when MariaDB is not installed;
 * no test runs without it.
 *
 * <p>After start it holds one database ({@link #database()}) and one user ({@link #user()}) with all privileges on
 * it and a random password ({@link #password()}). Administration runs through the {@code mariadb} client over the
 * server's own socket as the OS user that owns the data directory (unix-socket authentication), so no admin
 * password exists.
 *
 * <p>It always serves TLS, with a certificate for 127.0.0.1 from its own new CA ({@link #caPem()}), so tests can prove
 * that clients verify the server against the CA they are given, and, with {@link #requireSecureTransport(boolean)},
 * that a client without TLS is refused. Clients that merely prefer TLS (Connector/J's default {@code PREFERRED}, the
 * {@code mariadb} client's default {@code --ssl}) now get it, unverified; one that turns TLS off still connects in
 * plain text while {@code require_secure_transport} is off.
 */
public final class MariaDbServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static MariaDbServer shared;

    private final Process process;
    private final Path home;
    private final Path socket;
    private final Path log;
    private final String client;
    private final int port;
    private final String database;
    private final String user;
    private final String password;
    private final String caPem;

    private MariaDbServer(Process process, Path home, Path socket, Path log, String client, int port,
                          String database, String user, String password, String caPem) {
        this.process = process;
        this.home = home;
        this.socket = socket;
        this.log = log;
        this.client = client;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
        this.caPem = caPem;
    }

    /** One server for the whole JVM, stopped (and its files removed) when the JVM exits. */
    public static synchronized MariaDbServer shared() {
        if (shared == null) {
            shared = start("emr_ingest", "emr_ingest");
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /**
     * Initialises a data directory in a new temp dir, makes a CA and a server certificate in its {@code tls/}, starts
     * the server with them on a free 127.0.0.1 port, waits until it accepts connections and creates {@code database}
     * and {@code user} (with a random password).
     */
    public static MariaDbServer start(String database, String user) {
        requireIdentifier(database);
        requireIdentifier(user);
        MariaDbInstall install = MariaDbInstall.find();
        try {
            Path home = Files.createTempDirectory("mariadb-");
            Path data = Files.createDirectory(home.resolve("data"));
            Path tmp = Files.createDirectory(home.resolve("tmp"));
            Path socket = home.resolve("mysqld.sock");
            Path log = home.resolve("server.log");
            String osUser = System.getProperty("user.name");
            Path tls = Files.createDirectory(home.resolve("tls"));
            // A CA of this server's own (a random suffix in its name): one server's CA verifies no other server.
            CertificateAuthority ca = CertificateAuthority.create(
                    "emr-ingest test CA " + HexFormat.of().formatHex(new SecureRandom().generateSeed(4)));
            Files.writeString(tls.resolve("ca.pem"), ca.pem());
            ca.issueServerCertificate(tls.resolve("server-cert.pem"), tls.resolve("server-key.pem"));

            install.initialise(data, osUser, home.resolve("install-db.log"));

            int port = ServerProcesses.freePort();
            List<String> command = List.of(install.server(), "--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
                    "--socket=" + socket, "--pid-file=" + home.resolve("mysqld.pid"),
                    "--bind-address=127.0.0.1", "--port=" + port, "--user=" + osUser,
                    "--skip-name-resolve", "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci", "--default-time-zone=+00:00",
                    "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M",
                    "--innodb-flush-log-at-trx-commit=2", "--max-connections=200", "--log-error=" + log,
                    "--ssl-ca=" + tls.resolve("ca.pem"), "--ssl-cert=" + tls.resolve("server-cert.pem"),
                    "--ssl-key=" + tls.resolve("server-key.pem"));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("stdout.log").toFile()))
                    .start();
            String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
            MariaDbServer mariadb = new MariaDbServer(process, home, socket, log, install.client(), port, database,
                    user, password, ca.pem());
            mariadb.awaitReady();
            mariadb.admin("CREATE DATABASE `" + database + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
                    + "CREATE USER '" + user + "'@'127.0.0.1' IDENTIFIED BY '" + password + "';\n"
                    + "CREATE USER '" + user + "'@'localhost' IDENTIFIED BY '" + password + "';\n"
                    + "GRANT ALL PRIVILEGES ON `" + database + "`.* TO '" + user + "'@'127.0.0.1';\n"
                    + "GRANT ALL PRIVILEGES ON `" + database + "`.* TO '" + user + "'@'localhost';\n");
            return mariadb;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start MariaDB (" + MariaDbInstall.HINT + "): " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    /** The user's password: tests seed it into SSM and then look for it where it must not be. */
    public String password() {
        return password;
    }

    /** {@code jdbc:mysql://127.0.0.1:<port>/<database>}, the form job definitions accept. */
    public String jdbcUrl() {
        return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
    }

    /** The PEM text of the CA that signed the server's certificate: what a job names as its CA to verify it. */
    public String caPem() {
        return caPem;
    }

    /**
     * Turns {@code require_secure_transport} on or off: on, the server refuses TCP clients without TLS, as an RDS
     * instance with {@code require_secure_transport=1} does. MariaDB refuses them as if the password were wrong
     * (error 1045, "Access denied for user ..."), not with MySQL's "insecure transport" error. Global; starts off.
     */
    public void requireSecureTransport(boolean on) {
        admin("SET GLOBAL require_secure_transport=" + (on ? "ON" : "OFF") + ";\n");
    }

    /** Runs SQL as the server's administrator (unix socket), failing with the client's output. */
    public void admin(String sql) {
        Path script = null;
        try {
            script = Files.createTempFile(home, "admin-", ".sql");
            Files.writeString(script, sql);
            ProcessBuilder builder = new ProcessBuilder(client, "--no-defaults", "--socket=" + socket,
                    "--user=root", "--batch")
                    .redirectInput(script.toFile())
                    .redirectErrorStream(true);
            Process admin = builder.start();
            String output = new String(admin.getInputStream().readAllBytes());
            if (!admin.waitFor(60, TimeUnit.SECONDS) || admin.exitValue() != 0) {
                throw new IllegalStateException("mariadb admin SQL failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (script != null) {
                try {
                    Files.deleteIfExists(script);
                } catch (IOException ignored) {
                    // inside the server's temp dir, removed on close
                }
            }
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("MariaDB exited with " + process.exitValue() + ":\n"
                        + ServerProcesses.logText(log));
            }
            if (Files.exists(socket) && accepts()) {
                return;
            }
            ServerProcesses.pause();
        }
        close();
        throw new IllegalStateException("MariaDB did not accept connections within " + START_TIMEOUT + ":\n"
                + ServerProcesses.logText(log));
    }

    private boolean accepts() {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            // A MySQL server speaks first: a greeting means it is ready for clients.
            probe.setSoTimeout(2000);
            return probe.getInputStream().read() >= 0;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void requireIdentifier(String name) {
        if (!name.matches("[A-Za-z0-9_]{1,32}")) {
            throw new IllegalArgumentException("not a plain identifier: " + name);
        }
    }

    @Override
    public void close() {
        ServerProcesses.stop(process, Duration.ofSeconds(30));
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
