package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Interrupt vectors on real eventfds of the native kernel: waits, time-outs and handlers. */
class EventfdVectorsTest {
    private final Kernel kernel = KernelProvider.named("native").open();
    private final EventfdVectors vectors = new EventfdVectors(kernel, "test", 3);

    @AfterEach
    void close() {
        vectors.close();
    }

    @Test
    void awaitReturnsTheInterruptsSinceTheLastWait() {
        vectors.raise(1);
        vectors.raise(1);

        assertThat(vectors.await(1, Duration.ofSeconds(5))).isEqualTo(2);
        assertThat(vectors.await(1, Duration.ZERO)).isZero();
        assertThat(vectors.await(0, Duration.ZERO))
                .as("other vectors are separate")
                .isZero();
    }

    @Test
    void awaitTimesOut() {
        long start = System.nanoTime();

        assertThat(vectors.await(2, Duration.ofMillis(100))).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    }

    @Test
    void endlessTimeOutsDoNotOverflow() {
        vectors.raise(2);

        assertThat(vectors.await(2, ChronoUnit.FOREVER.getDuration())).isEqualTo(1);
        assertThat(vectors.await(2, Duration.ofMillis(-5)))
                .as("a negative time-out only polls")
                .isZero();
    }

    @Test
    void awaitWakesWhenAnotherThreadRaises() throws Exception {
        Thread raiser = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            vectors.raise(0);
        });

        assertThat(vectors.await(0, Duration.ofSeconds(10))).isEqualTo(1);
        raiser.join();
    }

    @Test
    void handlersRunOnTheDispatchPlatformThread() throws Exception {
        BlockingQueue<String> seen = new ArrayBlockingQueue<>(10);
        vectors.onInterrupt(
                2,
                (vector, count) -> seen.add(
                        vector + " x" + count + " on " + Thread.currentThread().getName()
                                + (Thread.currentThread().isVirtual() ? " (virtual)" : "")));

        vectors.raise(2);

        assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("2 x1 on jvfio-irq-test");
    }

    @Test
    void handlersAddedLaterAreServedAndFailingOnesDoNotStopOthers() throws Exception {
        BlockingQueue<Integer> seen = new ArrayBlockingQueue<>(10);
        vectors.onInterrupt(0, (vector, count) -> {
            throw new IllegalStateException("handler bug");
        });
        vectors.raise(0);
        vectors.onInterrupt(1, (vector, count) -> seen.add(vector));

        vectors.raise(1);

        assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    void removedHandlersStopAndTheVectorCanBeAwaitedAgain() throws Exception {
        BlockingQueue<Integer> seen = new ArrayBlockingQueue<>(10);
        vectors.onInterrupt(0, (vector, count) -> seen.add(vector));
        assertThatThrownBy(() -> vectors.await(0, Duration.ZERO)).isInstanceOf(IllegalStateException.class);

        vectors.onInterrupt(0, null);
        vectors.raise(0);

        assertThat(vectors.await(0, Duration.ofSeconds(5))).isEqualTo(1);
        assertThat(seen).isEmpty();
    }

    @Test
    void closeStopsTheDispatchThread() throws Exception {
        vectors.onInterrupt(0, (vector, count) -> {});
        Thread dispatcher = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("jvfio-irq-test"))
                .findFirst()
                .orElseThrow();

        vectors.close();

        assertThat(dispatcher.isAlive()).isFalse();
        assertThatThrownBy(() -> vectors.onInterrupt(0, (v, c) -> {})).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void vectorsOutOfRangeAreRejected() {
        assertThatThrownBy(() -> vectors.await(3, Duration.ZERO)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> vectors.raise(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
