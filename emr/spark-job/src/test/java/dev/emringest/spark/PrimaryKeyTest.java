package dev.emringest.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The primary key file the import step writes and the Spark step reads, on the local file system. */
class PrimaryKeyTest {

    @TempDir
    Path dir;

    private final Configuration conf = new Configuration();

    private String file(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file.toUri().toString();
    }

    @Test
    void readsTheKeyInKeyOrder() throws Exception {
        assertEquals(List.of("tenant", "id"), PrimaryKey.readFile(conf, file("orders.primary-key", "tenant,id\n")));
        assertEquals(List.of("id"), PrimaryKey.readFile(conf, file("customers.primary-key", "id")));
    }

    @Test
    void aPathWithoutSchemeIsALocalFile() throws Exception {
        String uri = file("events.primary-key", "event_id,seq\n");
        assertEquals(List.of("event_id", "seq"), PrimaryKey.readFile(conf, Path.of(java.net.URI.create(uri))
                .toString()));
    }

    @Test
    void anEmptyFileIsAnError() throws Exception {
        for (String text : List.of("", "\n", "  \n")) {
            String uri = file("empty.primary-key", text);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrimaryKey.readFile(conf, uri));
            assertEquals("the primary key file " + uri + " is empty", e.getMessage());
        }
    }

    @Test
    void spacesAroundColumnsAreDroppedAndAnEmptyColumnIsAnError() throws Exception {
        assertEquals(List.of("id", "tenant"), PrimaryKey.readFile(conf, file("spaced.primary-key", "id, tenant\n")));
        String uri = file("gap.primary-key", "id,,tenant");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> PrimaryKey.readFile(conf, uri));
        assertEquals("the primary key file " + uri + " names an empty column: 'id,,tenant'", e.getMessage());
    }

    @Test
    void aMissingFileIsAnErrorNamingIt() {
        String uri = dir.resolve("missing.primary-key").toUri().toString();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> PrimaryKey.readFile(conf, uri));
        assertTrue(e.getMessage().startsWith("cannot read the source's primary key from " + uri), e.getMessage());
        assertTrue(e.getMessage().contains("the import step writes it"), e.getMessage());
    }
}
