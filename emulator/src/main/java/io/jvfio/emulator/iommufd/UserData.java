package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.StructDef;
import io.jvfio.emulator.UserMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A driver-specific blob from user space ({@code struct iommu_user_data}): HWPT data, vIOMMU data.
 * Its copy rules differ from the ioctl header's (rule 24).
 */
record UserData(int type, long uptr, long len) {
    /**
     * iommu_copy_struct_from_user: EINVAL for another type, a length below {@code minLen} (the
     * initial struct's) or above the kernel's struct; then copy_struct_from_user (EFAULT for a bad
     * pointer, the struct zero-filled past {@code len}).
     */
    MemorySegment copyStruct(StructDef def, int expectedType, long minLen, Arena arena) {
        if (type != expectedType || len < minLen || def.size() < len) {
            throw new ErrnoException(Errno.EINVAL);
        }
        MemorySegment out = arena.allocate(def.size(), 8);
        MemorySegment.copy(UserMemory.copyIn(uptr, len, arena), 0, out, 0, len);
        return out;
    }
}
