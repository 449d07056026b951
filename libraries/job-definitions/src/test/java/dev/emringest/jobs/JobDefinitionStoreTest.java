package dev.emringest.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.withSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.mockito.Answers;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.ssm.model.Parameter;

/** The store reads SSM at every load, and parses a definition again only when its documents changed. */
class JobDefinitionStoreTest {

    private final SsmClient ssm = mock(SsmClient.class, withSettings().defaultAnswer(Answers.CALLS_REAL_METHODS));
    private final JobDefinitionStore store = new JobDefinitionStore(ssm, "/emr-ingest");

    private void answer(String defaults, String job, long version) {
        // doReturn: the interface's real getParameters(GetParametersRequest) would throw.
        doReturn(GetParametersResponse.builder().parameters(
                Parameter.builder().name("/emr-ingest/defaults").value(defaults).version(1L).build(),
                Parameter.builder().name("/emr-ingest/jobs/orders").value(job).version(version).build()).build())
                .when(ssm).getParameters(any(GetParametersRequest.class));
    }

    @Test
    void anUnchangedDefinitionIsParsedOnce() throws Exception {
        String defaults = Files.readString(Path.of("../../examples/defaults.json"));
        String job = Files.readString(Path.of("../../examples/jobs/orders.json"));
        answer(defaults, job, 3);
        JobDefinition first = store.load("orders");
        assertSame(first, store.load("orders"));
        verify(ssm, times(2)).getParameters(any(GetParametersRequest.class));

        answer(defaults, job.replace("\"mappers\": 4", "\"mappers\": 2"), 4);
        JobDefinition changed = store.load("orders");
        assertNotSame(first, changed);
        assertEquals("jobs/orders@4,defaults@1", changed.version());

        answer(defaults, "{\"source\": 42}", 5);
        assertThrows(JobDefinitionException.class, () -> store.load("orders"));
        assertThrows(JobDefinitionException.class, () -> store.load("orders"), "an invalid definition is not kept");
    }
}
