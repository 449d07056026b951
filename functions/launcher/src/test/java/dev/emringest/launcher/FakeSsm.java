package dev.emringest.launcher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersRequest;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.ssm.model.Parameter;

/** Parameter Store in memory, for the one call the launcher makes (GetParameters); each put is a new version. */
final class FakeSsm implements SsmClient {

    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    void put(String name, String value) {
        Parameter before = parameters.get(name);
        parameters.put(name, Parameter.builder().name(name).value(value)
                .version(before == null ? 1L : before.version() + 1).build());
    }

    @Override
    public GetParametersResponse getParameters(GetParametersRequest request) {
        List<Parameter> found = request.names().stream().filter(parameters::containsKey).map(parameters::get).toList();
        List<String> invalid = request.names().stream().filter(n -> !parameters.containsKey(n)).toList();
        return GetParametersResponse.builder().parameters(found).invalidParameters(invalid).build();
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {}
}
