package io.jvfio.emulator.vfio.pci;

import static io.jvfio.abi.vfio.VfioConst.*;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaBuf;
import io.jvfio.abi.vfio.VfioRegionDmaRange;
import io.jvfio.emulator.KernelServices;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.dmabuf.DmaBuf;
import io.jvfio.emulator.dmabuf.DmaBufAttachment;
import io.jvfio.emulator.dmabuf.DmaBufExporter;
import io.jvfio.emulator.dmabuf.PhysVec;
import io.jvfio.emulator.iommu.PeerMmio;
import io.jvfio.emulator.pci.Bar;
import io.jvfio.emulator.vfio.VfioDeviceFeatures;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A dma-buf exported by VFIO_DEVICE_FEATURE_DMA_BUF ({@code struct vfio_pci_dma_buf},
 * vfio_pci_dmabuf.c): ranges of one BAR, revoked while the device's memory is unusable (decode
 * off, D3hot, low power, reset) and for good once the device is closed. Only importers that can
 * reach device memory peer to peer and can be revoked may attach. {@link #export} is
 * vfio_pci_core_feature_dma_buf.
 */
final class VfioPciDmaBuf implements DmaBufExporter {
    private final List<PhysVec> phys;
    /** The device while it is open; null after close ({@code vfio_pci_dma_buf_cleanup}). */
    volatile VfioPciCoreDevice vdev;

    DmaBuf dmabuf;
    /** Guarded by the buffer's reservation lock. */
    boolean revoked;

    /** The most bytes one kmalloc may give (KMALLOC_MAX_SIZE): memdup_array_user's limit. */
    private static final long KMALLOC_MAX_SIZE = 4L << 20;

    /**
     * VFIO_DEVICE_FEATURE_DMA_BUF (GET only): exports ranges of a memory BAR as a new dma-buf whose
     * fd is the ioctl's return value. Revoked from the start if memory decode is off.
     */
    static long export(VfioPciCoreDevice core, KernelServices kernel, int flags, long arg, long argsz) {
        long minsz = VfioDeviceFeatureDmaBuf.DEF.size();
        if (!VfioDeviceFeatures.checkFeature(flags, argsz, VfioDeviceFeature.FEATURE_GET, minsz)) {
            return 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = UserMemory.copyIn(arg, minsz, a);
            long nr = Integer.toUnsignedLong(VfioDeviceFeatureDmaBuf.NR_RANGES.get(req));
            if (nr == 0 || VfioDeviceFeatureDmaBuf.FLAGS.get(req) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int index = VfioDeviceFeatureDmaBuf.REGION_INDEX.get(req);
            Bar bar = Integer.compareUnsigned(index, VFIO_PCI_ROM_REGION_INDEX) >= 0
                    ? null
                    : core.pdev().bar(index).orElse(null);
            if (bar == null) {
                throw new ErrnoException(Errno.ENODEV);
            }
            long entry = VfioRegionDmaRange.DEF.size();
            if (nr * entry > KMALLOC_MAX_SIZE) {
                throw new ErrnoException(Errno.ENOMEM);
            }
            MemorySegment ranges = UserMemory.copyIn(arg + minsz, nr * entry, a);
            // validate_dmabuf_input
            long total = 0;
            for (long i = 0; i < nr; i++) {
                MemorySegment r = ranges.asSlice(i * entry, entry);
                long offset = VfioRegionDmaRange.OFFSET.get(r);
                long len = VfioRegionDmaRange.LENGTH.get(r);
                if (len == 0 || offset % Linux.PAGE_SIZE != 0 || len % Linux.PAGE_SIZE != 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                total += len;
                if (Long.compareUnsigned(total, len) < 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
            }
            // DMA_IOVA_USE_SWIOTLB, the top bit, cannot be part of a length.
            if (total < 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            kernel.faults().point("vfio_pci_core_feature_dma_buf");
            // vfio_pci_core_get_dmabuf_phys: only memory BARs are peer-to-peer providers.
            if (bar.type() == Bar.Type.IO) {
                throw new ErrnoException(Errno.EINVAL);
            }
            long start = bar.ram().map(m -> m.segment().address()).orElseGet(() -> PeerMmio.addressOf(bar));
            List<PhysVec> phys = new ArrayList<>();
            for (long i = 0; i < nr; i++) {
                MemorySegment r = ranges.asSlice(i * entry, entry);
                long paddr = start + VfioRegionDmaRange.OFFSET.get(r);
                long len = VfioRegionDmaRange.LENGTH.get(r);
                if (Long.compareUnsigned(paddr, start) < 0 || Long.compareUnsigned(paddr + len, paddr) < 0) {
                    throw new ErrnoException(Errno.EOVERFLOW);
                }
                if (Long.compareUnsigned(paddr + len, start + bar.size()) > 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                phys.add(new PhysVec(paddr, len));
            }
            VfioPciDmaBuf priv = new VfioPciDmaBuf(core, phys);
            priv.dmabuf = DmaBuf.export(kernel, total, VfioDeviceFeatureDmaBuf.OPEN_FLAGS.get(req), priv);
            core.addDmaBuf(priv);
            return kernel.installFd(priv.dmabuf);
        }
    }

    VfioPciDmaBuf(VfioPciCoreDevice vdev, List<PhysVec> phys) {
        this.vdev = vdev;
        this.phys = List.copyOf(phys);
    }

    /** vfio_pci_dma_buf_attach. */
    @Override
    public void attach(DmaBufAttachment attachment) {
        if (!attachment.peer2peer()) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        dmabuf.resv().lock();
        try {
            if (revoked) {
                throw new ErrnoException(Errno.ENODEV);
            }
        } finally {
            dmabuf.resv().unlock();
        }
    }

    /** vfio_pci_dma_buf_iommufd_map: ENODEV while revoked; iommufd takes exactly one range. */
    @Override
    public PhysVec iommufdMap(DmaBufAttachment attachment) {
        if (revoked) {
            throw new ErrnoException(Errno.ENODEV);
        }
        if (phys.size() != 1) {
            throw new ErrnoException(Errno.EOPNOTSUPP);
        }
        return phys.getFirst();
    }

    /** vfio_pci_dma_buf_release: leaves the device's list unless the device was closed first. */
    @Override
    public void release(DmaBuf dmabuf) {
        VfioPciCoreDevice dev = vdev;
        if (dev != null) {
            dev.removeDmaBuf(this);
        }
    }

    /**
     * Moves the buffer to {@code revoke} (vfio_pci_dma_buf_move's step for one buffer): importers
     * are invalidated on every change, so a revoke unmaps them and an un-revoke lets new imports in.
     */
    void move(boolean revoke) {
        dmabuf.resv().lock();
        try {
            if (revoked == revoke) {
                return;
            }
            if (revoke) {
                revoked = true;
            }
            dmabuf.invalidateMappings();
            revoked = revoke;
        } finally {
            dmabuf.resv().unlock();
        }
    }
}
