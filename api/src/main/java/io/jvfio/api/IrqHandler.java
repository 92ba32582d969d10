package io.jvfio.api;

/** Called on the IRQ's dispatch thread (a platform thread) when a vector fired. */
@FunctionalInterface
public interface IrqHandler {
    /** {@code count} interrupts arrived on {@code vector} since the last call (at least 1). */
    void interrupt(int vector, long count);
}
