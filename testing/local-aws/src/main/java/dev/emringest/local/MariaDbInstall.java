package dev.emringest.local;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * MariaDB as installed on this machine: its server, {@code mariadb-install-db} and client programs, found on PATH or
 * in the usual directories, and a new data directory initialised with them. {@link MariaDbServer} runs the server.
 */
record MariaDbInstall(String server, String installDb, String client) {

    static final String HINT = "install MariaDB: apt-get update && DEBIAN_FRONTEND=noninteractive"
            + " apt-get install -y --no-install-recommends mariadb-server mariadb-client";
    private static final List<String> SEARCH_PATH = List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin",
            "/usr/local/bin", "/usr/local/mysql/bin", "/opt/homebrew/bin", "/opt/homebrew/sbin");

    /** Fails loudly, saying how to install it, when MariaDB is not there: no test runs without it. */
    static MariaDbInstall find() {
        return new MariaDbInstall(find("mariadbd", "mysqld"), find("mariadb-install-db", "mysql_install_db"),
                find("mariadb", "mysql"));
    }

    /** A new data directory, its root reached only through the server's socket by {@code osUser}. */
    void initialise(Path data, String osUser, Path output) throws IOException {
        List<String> command = new ArrayList<>(List.of(installDb, "--no-defaults", "--datadir=" + data,
                "--auth-root-authentication-method=socket", "--skip-test-db", "--user=" + osUser));
        basedir().ifPresent(base -> command.add("--basedir=" + base));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
        try {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("mariadb-install-db did not finish within 120 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("mariadb-install-db failed with " + process.exitValue() + ":\n"
                    + Files.readString(output));
        }
    }

    /** Installs from a tarball need --basedir; Debian's packages do not (their share files are in /usr/share). */
    private Optional<String> basedir() {
        Path bin = Path.of(server).getParent();
        Path base = bin == null ? null : bin.getParent();
        if (base != null && !base.toString().equals("/usr") && Files.isDirectory(base.resolve("share"))) {
            return Optional.of(base.toString());
        }
        return Optional.empty();
    }

    /** The first executable of these names on PATH or in the usual sbin/bin directories. */
    private static String find(String... names) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(SEARCH_PATH);
        for (String name : names) {
            for (String dir : dirs) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        throw new IllegalStateException("MariaDB is not installed: none of " + List.of(names)
                + " found on PATH or in " + SEARCH_PATH + " (" + HINT + ")");
    }
}
