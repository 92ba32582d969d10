package io.jvfio.emulator;

import java.lang.foreign.MemorySegment;

/** /dev/null: reads are at end of file, writes vanish, and it has no ioctls. */
final class NullFile extends OpenFile {
    NullFile(int flags) {
        super(flags);
    }

    @Override
    public boolean iterates(boolean write) {
        return true;
    }

    @Override
    public long read(MemorySegment buf) {
        return 0;
    }

    @Override
    public long write(MemorySegment buf) {
        return buf.byteSize();
    }
}
