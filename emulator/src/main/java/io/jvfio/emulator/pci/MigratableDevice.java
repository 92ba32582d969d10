package io.jvfio.emulator.pci;

/**
 * A device model whose internal state can be saved and restored (what a VFIO migration driver
 * reaches through the hardware). Every call runs with the function's monitor held, like MMIO.
 * The state is opaque bytes; a saving session is {@link #saveInitial} (optional, while running)
 * followed by {@link #saveFinal} (stopped), and a restore gets both back.
 */
public interface MigratableDevice {
    /**
     * Stops the device's own activity (false): no DMA, no interrupts, no state changes; register
     * writes are still taken and acted on once it runs again (true).
     */
    void setRunning(boolean running);

    /** What can be sent ahead while the device runs; changes after it are tracked for {@link #saveFinal}. */
    byte[] saveInitial();

    /** With the device stopped: everything {@link #saveInitial} did not cover, or that changed since. */
    byte[] saveFinal();

    /** Restores a stopped device from a source's two parts; IllegalArgumentException if they are not valid. */
    void load(byte[] initial, byte[] fin);
}
