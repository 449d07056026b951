package dev.emringest.launcher;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Sends a request WireMock received on to moto, for {@link BurstFaults}: as is, or, for a conditional S3 write, under
 * a lock. Moto checks {@code If-Match} / {@code If-None-Match} and then writes without holding a lock across both,
 * while S3's conditional writes are atomic.
 */
final class MotoForwarder {

    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect",
            "upgrade", "via", "warning", "date", "from", "origin", "referer", "transfer-encoding", "keep-alive",
            "te", "trailer", "proxy-connection");

    private final URI moto;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Object conditionalWrites = new Object();

    MotoForwarder(URI moto) {
        this.moto = moto;
    }

    static boolean conditionalWrite(Request request) {
        return "PUT".equals(request.getMethod().getName()) && request.getHeader("X-Amz-Target") == null
                && (request.containsHeader("If-Match") || request.containsHeader("If-None-Match"));
    }

    ResponseDefinition forwardAtomically(Request request) {
        HttpResponse<byte[]> answer;
        synchronized (conditionalWrites) {
            answer = forward(request);
        }
        ResponseDefinitionBuilder response = aResponse().withStatus(answer.statusCode()).withBody(answer.body());
        answer.headers().map().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                response.withHeader(name, values.toArray(String[]::new));
            }
        });
        return response.build();
    }

    /** Sends the request to moto as WireMock received it. */
    HttpResponse<byte[]> forward(Request request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(moto + request.getUrl()))
                .timeout(Duration.ofSeconds(30));
        for (HttpHeader header : request.getHeaders().all()) {
            if (!NOT_FORWARDED.contains(header.key().toLowerCase(Locale.ROOT))) {
                for (String value : header.values()) {
                    builder.header(header.key(), value);
                }
            }
        }
        byte[] body = request.getBody();
        builder.method(request.getMethod().getName(), body == null || body.length == 0
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("moto did not answer " + request.getUrl(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
