package dev.emringest.logs;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A context whose logger keeps what each overload was given: the lines must all go through log(byte[]). */
final class CapturedContext {

    final List<String> bytes = new ArrayList<>();
    final List<String> strings = new ArrayList<>();
    final Context context = mock(Context.class);

    CapturedContext() {
        LambdaLogger logger = mock(LambdaLogger.class);
        doAnswer(call -> bytes.add(new String(call.<byte[]>getArgument(0), StandardCharsets.UTF_8)))
                .when(logger).log(any(byte[].class));
        doAnswer(call -> strings.add(call.getArgument(0))).when(logger).log(anyString());
        when(context.getLogger()).thenReturn(logger);
        when(context.getAwsRequestId()).thenReturn("req-1");
    }
}
