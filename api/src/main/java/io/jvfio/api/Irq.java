package io.jvfio.api;

import java.time.Duration;

/**
 * One IRQ index of a device (INTx, MSI, MSI-X, …), its vectors backed by eventfds. A vector is
 * consumed either by {@link #await} or by a handler ({@link #onInterrupt}), never both. Closing it
 * disables the index if enabled, stops the dispatch thread and closes the eventfds.
 */
public sealed interface Irq extends AutoCloseable permits IrqImpl {
    IrqInfo info();

    /** Enables vectors {@code 0 .. count-1}, each signalling its own eventfd (INTx: count 1). */
    void enable(int count);

    /** The number of enabled vectors (0 when disabled). */
    int enabledVectors();

    /**
     * Waits up to {@code timeout} for {@code vector} to fire; returns the interrupts that arrived
     * since the last wait (0 on time-out).
     */
    long await(int vector, Duration timeout);

    /**
     * Calls {@code handler} on a dedicated platform thread whenever {@code vector} fires; null
     * removes the handler.
     */
    void onInterrupt(int vector, IrqHandler handler);

    /** Masks {@code vector} (only where {@link IrqInfo#maskable()}). */
    void mask(int vector);

    void unmask(int vector);

    /** Fires {@code vector} from software (the loopback trigger), e.g. to test a handler. */
    void trigger(int vector);

    /** Disables the index and releases its eventfds. */
    void disable();

    @Override
    void close();
}
