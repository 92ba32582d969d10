package io.jvfio.api;

import io.jvfio.abi.vfio.VfioIoctl;
import io.jvfio.abi.vfio.VfioIrqSet;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

final class IrqImpl implements Irq {
    private final VfioDeviceImpl device;
    private final IrqInfo info;
    private final String name;
    private EventfdVectors vectors;

    IrqImpl(VfioDeviceImpl device, IrqInfo info) {
        this.device = device;
        this.info = info;
        this.name = device.name() + " irq " + info.index();
    }

    @Override
    public IrqInfo info() {
        return info;
    }

    /** VFIO_DEVICE_SET_IRQS with {@code data} (count × s32 eventfds, or none). */
    private void setIrqs(String op, int flags, int start, int count, int[] eventfds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = VfioIrqSet.DEF.allocate(a, eventfds.length * 4L);
            VfioIrqSet.FLAGS.set(s, flags);
            VfioIrqSet.INDEX.set(s, info.index());
            VfioIrqSet.START.set(s, start);
            VfioIrqSet.COUNT.set(s, count);
            MemorySegment.copy(
                    eventfds, 0, s, ValueLayout.JAVA_INT_UNALIGNED, VfioIrqSet.DATA.offset(), eventfds.length);
            device.ioctl(op, VfioIoctl.VFIO_DEVICE_SET_IRQS, s);
        }
    }

    @Override
    public synchronized void enable(int count) {
        if (vectors != null) {
            throw new IllegalStateException(name + " is enabled already; disable it first");
        }
        if (count <= 0 || count > info.count()) {
            throw new IllegalArgumentException(name + " has " + info.count() + " vectors, not " + count);
        }
        EventfdVectors v = new EventfdVectors(device.kernel(), name, count);
        try {
            setIrqs(
                    "Irq[" + name + "].enable(" + count + ")",
                    VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER,
                    0,
                    count,
                    v.fds());
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
        vectors = v;
    }

    @Override
    public synchronized int enabledVectors() {
        return vectors == null ? 0 : vectors.count();
    }

    private synchronized EventfdVectors vectors() {
        if (vectors == null) {
            throw new IllegalStateException(name + " is not enabled");
        }
        return vectors;
    }

    @Override
    public long await(int vector, Duration timeout) {
        // Not synchronized: a waiter must not block mask/unmask or a handler's unmask.
        return vectors().await(vector, timeout);
    }

    @Override
    public void onInterrupt(int vector, IrqHandler handler) {
        vectors().onInterrupt(vector, handler);
    }

    private void action(String what, int flags, int vector) {
        vectors().fd(vector); // range check against the enabled vectors
        setIrqs("Irq[" + name + "]." + what + "(" + vector + ")", VfioIrqSet.DATA_NONE | flags, vector, 1, new int[0]);
    }

    @Override
    public void mask(int vector) {
        action("mask", VfioIrqSet.ACTION_MASK, vector);
    }

    @Override
    public void unmask(int vector) {
        action("unmask", VfioIrqSet.ACTION_UNMASK, vector);
    }

    @Override
    public void trigger(int vector) {
        action("trigger", VfioIrqSet.ACTION_TRIGGER, vector);
    }

    @Override
    public synchronized void disable() {
        if (vectors == null) {
            return;
        }
        try {
            setIrqs("Irq[" + name + "].disable", VfioIrqSet.DATA_NONE | VfioIrqSet.ACTION_TRIGGER, 0, 0, new int[0]);
        } finally {
            vectors.close();
            vectors = null;
        }
    }

    @Override
    public void close() {
        disable();
        device.forget(this);
    }
}
