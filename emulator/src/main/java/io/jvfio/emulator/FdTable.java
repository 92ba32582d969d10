package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.ArrayList;
import java.util.List;

/**
 * The emulated process's file descriptors: new fds take the lowest free number (from 3, as stdin,
 * stdout and stderr are open in any process); each fd holds one reference to its file.
 */
final class FdTable implements FileTable {
    private static final int FIRST_FD = 3;
    private final List<OpenFile> slots = new ArrayList<>();

    @Override
    public synchronized int install(OpenFile file, int flags) {
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i) == null) {
                slots.set(i, file);
                return i + FIRST_FD;
            }
        }
        slots.add(file);
        return slots.size() - 1 + FIRST_FD;
    }

    /** The file of {@code fd} with a new reference (fget); EBADF if not open. The caller must put() it. */
    @Override
    public synchronized OpenFile get(int fd) {
        return file(fd).get();
    }

    /** The file of {@code fd}, or null (poll's POLLNVAL). */
    @Override
    public synchronized OpenFile getOrNull(int fd) {
        int i = fd - FIRST_FD;
        if (i < 0 || i >= slots.size() || slots.get(i) == null) {
            return null;
        }
        return slots.get(i).get();
    }

    /** Removes {@code fd}; returns the file so the caller drops the fd's reference outside the lock. */
    @Override
    public synchronized OpenFile remove(int fd) {
        OpenFile f = file(fd);
        slots.set(fd - FIRST_FD, null);
        return f;
    }

    private OpenFile file(int fd) {
        int i = fd - FIRST_FD;
        if (i < 0 || i >= slots.size() || slots.get(i) == null) {
            throw new ErrnoException(Errno.EBADF);
        }
        return slots.get(i);
    }
}
