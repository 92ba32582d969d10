package io.jvfio.emulator.pci;

/** Told of every DMA write a function completed (device dirty tracking). */
@FunctionalInterface
public interface DmaWriteLog {
    void written(long iova, long length);
}
