package io.jvfio.emulator.vfio;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.emulator.UserMemory;
import io.jvfio.emulator.VfioArgsz;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntUnaryOperator;

/** A VFIO_DEVICE_SET_IRQS request a driver validated with {@link #validateAndPrepare}. */
public record VfioIrqSetArgs(int flags, int index, int start, int count, byte[] data) {
    /**
     * Copies in the header at {@code arg}, checks it as {@code vfio_set_irqs_validate_and_prepare}
     * does (EINVAL, in the kernel's order), then copies in the data. {@code numIrqs} gives the
     * driver's count for an index, asked before the index is checked against {@code maxIrqType}.
     */
    public static VfioIrqSetArgs validateAndPrepare(long arg, IntUnaryOperator numIrqs, int maxIrqType) {
        long minsz = VfioIrqSet.DEF.minSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hdr = VfioArgsz.copyIn(arg, minsz, a);
            long argsz = VfioArgsz.of(hdr);
            int flags = VfioIrqSet.FLAGS.get(hdr);
            int index = VfioIrqSet.INDEX.get(hdr);
            long start = Integer.toUnsignedLong(VfioIrqSet.START.get(hdr));
            long count = Integer.toUnsignedLong(VfioIrqSet.COUNT.get(hdr));
            int max = numIrqs.applyAsInt(index);
            if (Integer.compareUnsigned(index, maxIrqType) >= 0
                    || count >= 0xffffffffL - start
                    || (flags & ~(VfioIrqSet.DATA_TYPE_MASK | VfioIrqSet.ACTION_TYPE_MASK)) != 0) {
                throw new ErrnoException(Errno.EINVAL);
            }
            if (start >= max || start + count > max) {
                throw new ErrnoException(Errno.EINVAL);
            }
            int dataSize =
                    switch (flags & VfioIrqSet.DATA_TYPE_MASK) {
                        case VfioIrqSet.DATA_NONE -> 0;
                        case VfioIrqSet.DATA_BOOL -> 1;
                        case VfioIrqSet.DATA_EVENTFD -> 4;
                        default -> throw new ErrnoException(Errno.EINVAL);
                    };
            if (dataSize != 0 && argsz - minsz < count * dataSize) {
                throw new ErrnoException(Errno.EINVAL);
            }
            byte[] data = new byte[(int) (count * dataSize)];
            if (data.length > 0) {
                MemorySegment.copy(
                        UserMemory.copyIn(arg + minsz, data.length, a), ValueLayout.JAVA_BYTE, 0, data, 0, data.length);
            }
            return new VfioIrqSetArgs(flags, index, (int) start, (int) count, data);
        }
    }
}
