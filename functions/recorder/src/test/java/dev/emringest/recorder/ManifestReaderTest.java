package dev.emringest.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

import dev.emringest.ledger.RunRecord.Commit;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mockito.Answers;
import org.mockito.ArgumentCaptor;
import org.mockito.Mockito;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** A table's {@code _manifest.json} as the recorder reads it from S3: its counts, its key, its Iceberg commit. */
class ManifestReaderTest {

    private static final String MANIFEST = "s3://example-lake/raw/shop/orders/_run_id=cd6420d7f6ee/_manifest.json";

    private final S3Client s3 = mock(S3Client.class, withSettings().defaultAnswer(Answers.CALLS_REAL_METHODS));

    private Optional<ManifestReader.Manifest> read(String json) {
        doReturn(ResponseBytes.fromByteArray(GetObjectResponse.builder().build(),
                json.getBytes(StandardCharsets.UTF_8))).when(s3).getObjectAsBytes(any(GetObjectRequest.class));
        return ManifestReader.in(s3).read(MANIFEST);
    }

    @Test
    void aFilesManifestHasItsCountsAndNoCommit() {
        ManifestReader.Manifest manifest = read("{\"table\": \"orders\", \"rowCount\": 120, \"maxKey\": 4711}")
                .orElseThrow();

        assertEquals(new ManifestReader.Manifest(120L, 4711L), manifest);
        assertNull(manifest.commit());
        ArgumentCaptor<GetObjectRequest> request = ArgumentCaptor.forClass(GetObjectRequest.class);
        Mockito.verify(s3).getObjectAsBytes(request.capture());
        assertEquals("example-lake", request.getValue().bucket());
        assertEquals("raw/shop/orders/_run_id=cd6420d7f6ee/_manifest.json", request.getValue().key());
    }

    @Test
    void anIcebergManifestsCommitKeepsItsSnapshotIdExactly() {
        ManifestReader.Manifest manifest = read("{\"table\": \"orders\", \"rowCount\": 15, \"maxKey\": null,"
                + " \"commit\": {\"table\": \"shop.orders\", \"snapshotId\": 9223372036854775807, \"addedRows\": 12,"
                + " \"updatedRows\": 3, \"deletedRows\": 0, \"committedNow\": true}}").orElseThrow();

        assertEquals(new ManifestReader.Manifest(15L, null, new Commit(Long.MAX_VALUE, 12, 3, 0), null), manifest);
        assertEquals(new Commit(5871234097712345678L, 0, 0, 7), read("{\"rowCount\": 0, \"commit\": {\"table\":"
                + " \"shop.orders\", \"snapshotId\": 5871234097712345678, \"addedRows\": 0, \"updatedRows\": 0,"
                + " \"deletedRows\": 7, \"committedNow\": false}}").orElseThrow().commit());
        assertNull(read("{\"rowCount\": 1, \"commit\": null}").orElseThrow().commit());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "\"snapshotId\": 1, \"addedRows\": 1, \"updatedRows\": 0                     | commit.deletedRows is missing",
        "\"addedRows\": 1, \"updatedRows\": 0, \"deletedRows\": 0                    | commit.snapshotId is missing",
        "\"snapshotId\": \"58712340977\", \"addedRows\": 1, \"updatedRows\": 0, \"deletedRows\": 0"
                + " | commit.snapshotId is not an integer",
        "\"snapshotId\": 5.8e18, \"addedRows\": 1, \"updatedRows\": 0, \"deletedRows\": 0"
                + " | commit.snapshotId is not an integer",
        "\"snapshotId\": 9223372036854775808, \"addedRows\": 1, \"updatedRows\": 0, \"deletedRows\": 0"
                + " | commit.snapshotId is not a 64-bit integer",
        "\"snapshotId\": 1, \"addedRows\": 1.5, \"updatedRows\": 0, \"deletedRows\": 0 | commit.addedRows is not an integer",
        "\"snapshotId\": 1, \"addedRows\": 1, \"updatedRows\": -3, \"deletedRows\": 0  | commit.updatedRows is negative",
        "\"snapshotId\": 1, \"addedRows\": 1, \"updatedRows\": null, \"deletedRows\": 0 | commit.updatedRows is missing",
    })
    void aMalformedCommitFailsTheReadNamingItsField(String fields, String error) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> read("{\"rowCount\": 1, \"commit\": {\"table\": \"shop.orders\", " + fields + "}}"));

        assertEquals(MANIFEST + ": " + error, e.getMessage());
    }

    @Test
    void aFailedTablesManifestSaysWhyAndHasNoRows() {
        assertEquals(new ManifestReader.Manifest(null, null, null, "SQLException: Access denied"),
                read("{\"table\": \"orders\", \"error\": \"SQLException: Access denied\"}").orElseThrow());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> read("{\"error\": 7}"));
        assertTrue(e.getMessage().endsWith(": error is not a string"), e.getMessage());
    }

    @Test
    void aCommitThatIsNotAnObjectFailsTheRead() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> read("{\"rowCount\": 1, \"commit\": 5871234097712345678}"));

        assertEquals(MANIFEST + ": commit is not an object", e.getMessage());
    }

    @Test
    void aMissingManifestIsEmptyAndBrokenJsonFails() {
        doThrow(NoSuchKeyException.builder().message("no such key").build()).when(s3)
                .getObjectAsBytes(any(GetObjectRequest.class));
        assertTrue(ManifestReader.in(s3).read(MANIFEST).isEmpty());

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> read("{\"rowCount\": 1,"));
        assertTrue(e.getMessage().startsWith(MANIFEST + ": "), e.getMessage());
    }
}
