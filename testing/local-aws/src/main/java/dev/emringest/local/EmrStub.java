package dev.emringest.local;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * WireMock answering as EMR's JSON 1.1 API does (the documents are {@link EmrDocuments}'): DescribeCluster,
 * ListSteps and DescribeStep for one cluster each, and error answers. Where moto's EMR cannot say what EMR does
 * (steps that complete or fail, reasons), the recorder's tests ask this instead.
 */
public final class EmrStub {

    public static final String DESCRIBE_CLUSTER = "ElasticMapReduce.DescribeCluster";
    public static final String LIST_STEPS = "ElasticMapReduce.ListSteps";
    public static final String DESCRIBE_STEP = "ElasticMapReduce.DescribeStep";

    private final WireMockServer server;

    public EmrStub(WireMockServer server) {
        this.server = server;
    }

    /** DescribeCluster of {@code cluster}'s id answers it. */
    public void describeCluster(Map<String, Object> cluster) {
        server.stubFor(call(DESCRIBE_CLUSTER, (String) cluster.get("Id")).willReturn(answer(200,
                JsonObjects.of("Cluster", cluster))));
    }

    /** ListSteps of the cluster answers these steps, newest first as EMR does. */
    @SafeVarargs
    public final void listSteps(String clusterId, Map<String, Object>... newestFirst) {
        server.stubFor(call(LIST_STEPS, clusterId).willReturn(answer(200,
                JsonObjects.of("Steps", new ArrayList<>(List.of(newestFirst))))));
    }

    public void describeStep(String clusterId, Map<String, Object> step) {
        server.stubFor(call(DESCRIBE_STEP, clusterId)
                .withRequestBody(matchingJsonPath("$.StepId", equalTo((String) step.get("Id"))))
                .willReturn(answer(200, JsonObjects.of("Step", step))));
    }

    /** {@code target} about the cluster answers EMR's error, e.g. 400 {@code InvalidRequestException}. */
    public void error(String target, String clusterId, int status, String type, String message) {
        server.stubFor(call(target, clusterId).willReturn(answer(status,
                JsonObjects.of("__type", type, "Message", message))));
    }

    /** How many calls of {@code target} about {@code clusterId} EMR (WireMock) received. */
    public int calls(String target, String clusterId) {
        return server.findAll(postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo(target))
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo(clusterId)))).size();
    }

    private static MappingBuilder call(String target, String clusterId) {
        return post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(target))
                .withRequestBody(matchingJsonPath("$.ClusterId", equalTo(clusterId)));
    }

    private static ResponseDefinitionBuilder answer(int status, Object body) {
        return aResponse().withStatus(status)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .withBody(JsonObjects.text(body));
    }
}
