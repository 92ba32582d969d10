package io.jvfio.api;

/** The PCI configuration space of a device (the config region), with the usual helpers. */
public sealed interface PciConfig permits PciConfigImpl {
    /** The command register's offset and the bits this API sets. */
    int COMMAND = 0x04;

    int COMMAND_MEMORY = 1 << 1;
    int COMMAND_BUS_MASTER = 1 << 2;

    int read8(int offset);

    int read16(int offset);

    int read32(int offset);

    void write8(int offset, int value);

    void write16(int offset, int value);

    void write32(int offset, int value);

    default int vendorId() {
        return read16(0x00);
    }

    default int deviceId() {
        return read16(0x02);
    }

    default int command() {
        return read16(COMMAND);
    }

    /** Sets {@code bits} in the command register (read-modify-write). */
    default void setCommandBits(int bits) {
        write16(COMMAND, command() | bits);
    }

    /** Lets the device master the bus, i.e. do DMA. */
    default void enableBusMaster() {
        setCommandBits(COMMAND_BUS_MASTER);
    }
}
