package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Extensible;
import io.jvfio.abi.StructDef;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One /dev/iommu ioctl in flight ({@code struct iommufd_ucmd}): the kernel's copy of the argument
 * struct, where it came from, and the object the handler created (published by the dispatcher
 * only when the handler succeeded).
 */
final class Ucmd {
    final IommufdCtx ctx;
    final long ubuffer;
    final long userSize;
    final StructDef def;
    final MemorySegment cmd;
    final Arena arena;
    IommufdObject newObj;
    /** The ioctl's return value: 0, or what a handler returns directly (DMABUF_GET's fd). */
    long result;

    Ucmd(IommufdCtx ctx, long ubuffer, long userSize, StructDef def, MemorySegment cmd, Arena arena) {
        this.ctx = ctx;
        this.ubuffer = ubuffer;
        this.userSize = userSize;
        this.def = def;
        this.cmd = cmd;
        this.arena = arena;
    }

    /** iommufd_ucmd_respond: copies the struct back, {@code min(size, sizeof)} bytes; EFAULT if that faults. */
    void respond() {
        UserMemory.copyOut(cmd, ubuffer, Extensible.copyBackLength(def, userSize));
    }
}
