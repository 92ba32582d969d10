package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Extensible;
import io.jvfio.abi.Linux;
import io.jvfio.kernel.nativeimpl.ProcessMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * User memory as the emulated kernel touches it: the memory of the calling process ({@link
 * #current}, this JVM's unless a served client's call runs), every access checked
 * (copy_from_user/copy_to_user), so a bad pointer is EFAULT, never a crash.
 */
public final class UserMemory {
    private static final long TAIL_CHUNK = 4096;
    private static final ThreadLocal<Current> CURRENT = ThreadLocal.withInitial(Current::new);
    private static final MemorySegment.Scope GLOBAL = Arena.global().scope();

    /**
     * The calling thread's syscall context: whose memory user pointers name, and the argument
     * segment of the boundary call in progress, whose bounds prove part of that memory mapped.
     */
    private static final class Current {
        AddressSpace space = AddressSpace.LOCAL;
        MemorySegment argument;
    }

    private UserMemory() {}

    /** current->mm: the address space user pointers of the calling thread's syscall refer to. */
    public static AddressSpace current() {
        return CURRENT.get().space;
    }

    /** Makes {@code space} the calling thread's current one (null: this JVM's); returns the previous. */
    static AddressSpace setCurrent(AddressSpace space) {
        Current c = CURRENT.get();
        AddressSpace previous = c.space;
        c.space = space != null ? space : AddressSpace.LOCAL;
        return previous;
    }

    /**
     * Runs {@code body} (a boundary call of this JVM) with {@code argument} as the segment its
     * user pointer came from. Memory an arena allocated is readable and writable while the arena
     * lives, so copies that fall inside such a segment are plain memory copies. Bounds alone prove
     * nothing about protections: a segment of the global scope (what mmap and {@code
     * MemorySegment.ofAddress} give) may be read-only or PROT_NONE, and a file mapping may be
     * truncated under it, so those, and every address outside the argument (pointers inside the
     * struct), take the checked copy and stay EFAULT when bad. Served clients' memory is never
     * reached this way.
     */
    static <T> T withArgument(MemorySegment argument, Supplier<T> body) {
        Current c = CURRENT.get();
        if (c.space != AddressSpace.LOCAL
                || !argument.isNative()
                || argument.isMapped()
                || argument.byteSize() == 0
                || argument.scope().equals(GLOBAL)) {
            return body.get();
        }
        MemorySegment previous = c.argument;
        c.argument = argument;
        try {
            return body.get();
        } finally {
            c.argument = previous;
        }
    }

    /** copy_from_user into a fresh segment of {@code length} bytes in {@code arena}. */
    public static MemorySegment copyIn(long address, long length, Arena arena) {
        MemorySegment dst = arena.allocate(Math.max(1, length), 8).asSlice(0, length);
        Current c = CURRENT.get();
        MemorySegment arg = c.argument;
        if (arg == null || !inArgument(arg, address, length, dst, true)) {
            c.space.copyIn(address, dst, length);
        }
        return dst;
    }

    /** copy_to_user of the first {@code length} bytes of {@code src}. */
    public static void copyOut(MemorySegment src, long address, long length) {
        Current c = CURRENT.get();
        MemorySegment arg = c.argument;
        if (arg == null || !inArgument(arg, address, length, src, false)) {
            c.space.copyOut(src, address, length);
        }
    }

    /**
     * The copy between {@code kernel} and [address, address+length) done directly, when the range
     * lies inside the live argument segment; false when it does not (or the segment's arena was
     * closed meanwhile), and the caller takes the checked copy.
     */
    private static boolean inArgument(MemorySegment arg, long address, long length, MemorySegment kernel, boolean in) {
        long offset = address - arg.address();
        if (offset < 0 || length > arg.byteSize() - offset) {
            return false;
        }
        try {
            if (in) {
                MemorySegment.copy(arg, offset, kernel, 0, length);
            } else {
                MemorySegment.copy(kernel, 0, arg, offset, length);
            }
            return true;
        } catch (IllegalStateException | WrongThreadException | IllegalArgumentException e) {
            // closed meanwhile, another thread's confined arena, or a read-only segment: the
            // checked copy decides
            return false;
        }
    }

    /** An emulated file's mmap of host file {@code hostFd} into the calling process. */
    public static MemorySegment mapFile(int hostFd, long offset, long length, int prot, int flags) {
        return current().mapFile(hostFd, offset, length, prot, flags);
    }

    /**
     * copy_struct_from_user: a kernel struct of {@code known} bytes from a user struct of {@code
     * size} bytes: bytes past {@code known} must be zero (E2BIG, checked first), a short struct is
     * zero-filled. {@code head}, if not null, already holds the first {@code min(size, known)}
     * bytes.
     */
    public static MemorySegment copyStructFromUser(
            long address, long size, long known, MemorySegment head, Arena arena) {
        for (long off = known; off < size; off += TAIL_CHUNK) {
            long n = Math.min(TAIL_CHUNK, size - off);
            if (!Extensible.allZero(copyIn(address + off, n, arena))) {
                throw new ErrnoException(Errno.E2BIG);
            }
        }
        long len = Math.min(size, known);
        MemorySegment struct = arena.allocate(known, 8);
        MemorySegment in = head != null ? head : copyIn(address, len, arena);
        MemorySegment.copy(in, 0, struct, 0, len);
        return struct;
    }

    /** get_user of a u32. */
    public static int getU32(long address) {
        try (Arena a = Arena.ofConfined()) {
            return copyIn(address, 4, a).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
        }
    }

    /** put_user of a u32. */
    public static void putU32(long address, int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(4);
            s.set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
            copyOut(s, address, 4);
        }
    }

    /**
     * strndup_user: the NUL-terminated string at {@code address}, at most {@code max} bytes with its
     * NUL (EINVAL when none comes by then). Bytes are read page by page up to the NUL, so a string
     * ending just before an unmapped page is fine; a fault before the NUL is EFAULT.
     */
    public static String strndupUser(long address, int max) {
        byte[] bytes = new byte[max];
        int n = 0;
        try (Arena arena = Arena.ofConfined()) {
            while (n < max) {
                long here = address + n;
                int chunk = (int) Math.min(max - n, Linux.PAGE_SIZE - (here & (Linux.PAGE_SIZE - 1)));
                MemorySegment s = copyIn(here, chunk, arena);
                for (int i = 0; i < chunk; i++) {
                    byte b = s.get(ValueLayout.JAVA_BYTE, i);
                    if (b == 0) {
                        return new String(bytes, 0, n, StandardCharsets.UTF_8);
                    }
                    bytes[n++] = b;
                }
            }
        }
        throw new ErrnoException(Errno.EINVAL);
    }

    /**
     * Copies a kernel buffer into a caller's segment (read(2) results): checked for native
     * segments. Buffers handed to the boundary are always this JVM's memory, whoever calls.
     */
    public static void toSegment(MemorySegment src, MemorySegment userBuf, long length) {
        if (userBuf.isNative()) {
            ProcessMemory.copyOut(src, userBuf.address(), length);
        } else {
            MemorySegment.copy(src, 0, userBuf, 0, length);
        }
    }

    /** Copies from a caller's segment (write(2) arguments): checked for native segments. */
    public static void fromSegment(MemorySegment userBuf, MemorySegment dst, long length) {
        if (userBuf.isNative()) {
            ProcessMemory.copyIn(userBuf.address(), dst, length);
        } else {
            MemorySegment.copy(userBuf, 0, dst, 0, length);
        }
    }

    /**
     * What pin_user_pages checks, in the calling process, before it takes a page: every byte of {@code [address,
     * address+length)} lies in a mapping that is readable, and writable too when {@code write}.
     * Unmapped or PROT_NONE memory is EFAULT, as in the kernel's GUP ({@link PhysicalPages#resolve},
     * whose pages are not wanted here).
     */
    public static void checkPinnable(long address, long length, boolean write) {
        PhysicalPages.resolve(current(), address, length, write);
    }
}
