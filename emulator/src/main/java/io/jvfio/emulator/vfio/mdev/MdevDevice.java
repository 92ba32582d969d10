package io.jvfio.emulator.vfio.mdev;

import java.util.UUID;

/** One mediated device ({@code struct mdev_device}), named by its UUID. */
public final class MdevDevice {
    private final UUID uuid;
    private final MdevParent parent;
    private final MdevType type;
    boolean active;
    private Object driverData;

    MdevDevice(UUID uuid, MdevParent parent, MdevType type) {
        this.uuid = uuid;
        this.parent = parent;
        this.type = type;
    }

    public UUID uuid() {
        return uuid;
    }

    public MdevParent parent() {
        return parent;
    }

    public MdevType type() {
        return type;
    }

    /** What the parent driver keeps with the mdev (its VFIO device). */
    public synchronized Object driverData() {
        return driverData;
    }

    public synchronized void setDriverData(Object data) {
        driverData = data;
    }

    @Override
    public String toString() {
        return uuid.toString();
    }
}
