package io.jvfio.devices.mtty;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.emulator.KernelModule;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.vfio.Vfio;
import io.jvfio.emulator.vfio.VfioDevice;
import io.jvfio.emulator.vfio.mdev.Mdev;
import io.jvfio.emulator.vfio.mdev.MdevDevice;
import io.jvfio.emulator.vfio.mdev.MdevDriver;
import io.jvfio.emulator.vfio.mdev.MdevParent;
import io.jvfio.emulator.vfio.mdev.MdevType;
import java.util.List;

/**
 * The mtty sample (samples/vfio-mdev/mtty.c): a parent device /sys/devices/virtual/mtty/mtty
 * offering mdevs of one or two 16550 serial ports (types mtty-1 and mtty-2) out of a pool of 24
 * ports. Each mdev is an emulated VFIO device ({@link MttyDevice}).
 */
public final class Mtty implements KernelModule, MdevDriver {
    /** MAX_MTTYS: ports shared by all mdevs of the module. */
    static final int MAX_PORTS = 24;

    static final MdevType SINGLE = new MdevType("1", "Single port serial");
    static final MdevType DUAL = new MdevType("2", "Dual port serial");
    private static final String DEVICE_DIR = "/sys/devices/virtual/mtty/mtty";

    private KernelServices kernel;
    private Vfio vfio;
    /** {@code mdev_avail_ports}. */
    private int availablePorts = MAX_PORTS;

    @Override
    public String name() {
        return "mtty";
    }

    /** The service instance only loads: each kernel gets a module of its own (its port pool). */
    @Override
    public void load(KernelServices k) {
        Mtty module = new Mtty();
        module.kernel = k;
        module.vfio = k.symbol(Vfio.class);
        k.symbol(Mdev.class).registerParent(new MdevParent("mtty", DEVICE_DIR, module, List.of(SINGLE, DUAL), 0));
    }

    @Override
    public String deviceApi() {
        return "vfio-pci";
    }

    /** mtty has no show_description. */
    @Override
    public String description(MdevType type) {
        return "";
    }

    private static int ports(MdevType type) {
        return type == SINGLE ? 1 : 2;
    }

    /** mtty_get_available: whole mdevs of the type the free ports make. */
    @Override
    public synchronized int available(MdevType type) {
        return availablePorts / ports(type);
    }

    /** mtty_probe, with mtty_init_dev's port reservation (ENOSPC). */
    @Override
    public void probe(MdevDevice mdev) {
        int ports = ports(mdev.type());
        synchronized (this) {
            if (availablePorts < ports) {
                throw new ErrnoException(Errno.ENOSPC);
            }
            availablePorts -= ports;
        }
        MttyDevice mtty = new MttyDevice(ports, kernel::fget);
        VfioDevice vdev = VfioDevice.emulated(kernel, mdev.uuid().toString(), DEVICE_DIR + "/" + mdev.uuid(), mtty);
        mtty.migration.install(vdev);
        try {
            vfio.registerEmulatedIommuDev(vdev);
        } catch (RuntimeException e) {
            release(ports);
            throw e;
        }
        mdev.setDriverData(vdev);
    }

    /** mtty_remove: unregister (waits for the user to close), then mtty_release_dev's ports. */
    @Override
    public void remove(MdevDevice mdev) {
        vfio.unregisterGroupDev((VfioDevice) mdev.driverData());
        release(ports(mdev.type()));
    }

    private synchronized void release(int ports) {
        availablePorts += ports;
    }
}
