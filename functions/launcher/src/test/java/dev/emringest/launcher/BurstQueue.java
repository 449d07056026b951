package dev.emringest.launcher;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.emringest.local.ExampleAccount;
import dev.emringest.local.LoggedContext;
import dev.emringest.local.MutableClock;
import dev.emringest.logs.LogLine;
import dev.emringest.logs.LoggedLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@link LaunchBurstIT}'s launch queue, simulated in rounds: every message still in flight is delivered to the real
 * {@link SqsHandler} (batch size 1, several in parallel so that duplicates race); a failed message comes back next
 * round with its receive count + 1 and goes to the DLQ after {@link #MAX_RECEIVES} receives.
 */
final class BurstQueue {

    static final String JOB = "orders";
    static final int UNIQUE_RUNS = 160;
    static final int DUPLICATES = 40;
    /** The template's redrive policy: a message received this often and still failing goes to the DLQ. */
    static final int MAX_RECEIVES = 5;
    /** The launch queue's visibility timeout: how long a failed message stays invisible before its next receive. */
    static final Duration VISIBILITY_TIMEOUT = Duration.ofMinutes(6);
    static final int THREADS = Integer.getInteger("burst.threads", 4);

    private BurstQueue() {}

    /** One SQS message and what happened to it. */
    static final class Message {
        enum State { IN_FLIGHT, SUCCEEDED, DLQ }

        final String id;
        final String runKey;
        final String body;
        int receives;
        volatile boolean lastFailed;
        State state = State.IN_FLIGHT;
        final List<String> history = Collections.synchronizedList(new ArrayList<>());

        Message(String id, String runKey) {
            this.id = id;
            this.runKey = runKey;
            this.body = "{\"job\": \"" + JOB + "\", \"runKey\": \"" + runKey + "\"}";
        }

        Message duplicate(String newId) {
            return new Message(newId, runKey);
        }
    }

    /** 160 runs, plus 40 duplicates (same body, new message id) of randomly chosen runs, shuffled. */
    static List<Message> messages(Random random) {
        List<Message> originals = new ArrayList<>();
        for (int i = 0; i < UNIQUE_RUNS; i++) {
            originals.add(new Message(uuid(random), String.format(Locale.ROOT, "burst-%03d", i)));
        }
        List<Message> all = new ArrayList<>(originals);
        for (int i = 0; i < DUPLICATES; i++) {
            all.add(originals.get(random.nextInt(UNIQUE_RUNS)).duplicate(uuid(random)));
        }
        Collections.shuffle(all, random);
        return all;
    }

    private static String uuid(Random random) {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** Rounds of SQS delivery until no message is in flight; returns the number of rounds. */
    static int deliverUntilSettled(LaunchService service, List<Message> messages, MutableClock clock,
                                           Random random) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            int round = 0;
            while (true) {
                List<Message> inFlight = new ArrayList<>(messages.stream()
                        .filter(m -> m.state == Message.State.IN_FLIGHT).toList());
                if (inFlight.isEmpty()) {
                    return round;
                }
                if (round > MAX_RECEIVES) {
                    throw new AssertionError("messages still in flight after " + round + " rounds");
                }
                Collections.shuffle(inFlight, random);
                List<Callable<Void>> deliveries = new ArrayList<>();
                int r = round;
                for (Message message : inFlight) {
                    message.receives++;
                    deliveries.add(() -> {
                        deliver(service, message, r);
                        return null;
                    });
                }
                for (Future<Void> done : pool.invokeAll(deliveries, 5, TimeUnit.MINUTES)) {
                    done.get();
                }
                for (Message message : inFlight) {
                    if (!message.lastFailed) {
                        message.state = Message.State.SUCCEEDED;
                    } else if (message.receives >= MAX_RECEIVES) {
                        message.state = Message.State.DLQ;
                    }
                }
                clock.advance(VISIBILITY_TIMEOUT);
                round++;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One Lambda invocation with a batch of one message, as the event source mapping sends it. */
    private static void deliver(LaunchService service, Message message, int round) {
        SQSEvent.SQSMessage sqs = SqsEvents.message(message.id, message.body);
        sqs.setAttributes(Map.of("ApproximateReceiveCount", String.valueOf(message.receives)));
        SQSEvent batch = SqsEvents.batch(List.of(sqs));
        LoggedContext context = new LoggedContext("launcher");
        boolean failed;
        try {
            SQSBatchResponse response = SqsEvents.deliver(new SqsHandler(service, ExampleAccount.STACK), batch, context);
            failed = response.getBatchItemFailures().stream().anyMatch(f -> message.id.equals(f.getItemIdentifier()));
        } catch (RuntimeException e) {
            // A handler that throws fails the whole batch.
            LogLine.error("handler threw " + e).write(context);
            failed = true;
        }
        message.lastFailed = failed;
        for (String line : LoggedLines.messages(context.lines())) {
            message.history.add("round " + round + " receive " + message.receives + ": " + line);
        }
    }

    static long count(List<Message> messages, Message.State state) {
        return messages.stream().filter(m -> m.state == state).count();
    }
}
