package io.jvfio.emulator;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The emulated process's file descriptors: new fds take the lowest free number (from 3, as stdin,
 * stdout and stderr are open in any process); each fd holds one reference to its file.
 *
 * <p>Install and remove hold the table's monitor; a lookup (every system call on an fd) takes no
 * lock, as Linux's fget walks the table under RCU: it reads the slot, takes a reference if the
 * file is not already released, then checks the slot still holds that file (else it drops the
 * reference and looks again), so a lookup that returns a file overlapped a moment when the fd
 * named it. The slot array only grows, replaced whole under the monitor.
 */
final class FdTable implements FileTable {
    private static final int FIRST_FD = 3;
    private volatile AtomicReferenceArray<OpenFile> slots = new AtomicReferenceArray<>(16);

    @Override
    public synchronized int install(OpenFile file, int flags) {
        AtomicReferenceArray<OpenFile> s = slots;
        for (int i = 0; i < s.length(); i++) {
            if (s.get(i) == null) {
                s.set(i, file);
                return i + FIRST_FD;
            }
        }
        AtomicReferenceArray<OpenFile> grown = new AtomicReferenceArray<>(s.length() * 2);
        for (int i = 0; i < s.length(); i++) {
            grown.set(i, s.get(i));
        }
        grown.set(s.length(), file);
        slots = grown;
        return s.length() + FIRST_FD;
    }

    /** The file of {@code fd} with a new reference (fget); EBADF if not open. The caller must put() it. */
    @Override
    public OpenFile get(int fd) {
        OpenFile f = getOrNull(fd);
        if (f == null) {
            throw new ErrnoException(Errno.EBADF);
        }
        return f;
    }

    /** The file of {@code fd}, or null (poll's POLLNVAL). */
    @Override
    public OpenFile getOrNull(int fd) {
        int i = fd - FIRST_FD;
        while (true) {
            OpenFile f = slot(i);
            if (f == null) {
                return null;
            }
            if (f.tryGet()) {
                if (slot(i) == f) {
                    return f;
                }
                f.put();
            }
        }
    }

    /** Removes {@code fd}; returns the file so the caller drops the fd's reference outside the lock. */
    @Override
    public synchronized OpenFile remove(int fd) {
        OpenFile f = slot(fd - FIRST_FD);
        if (f == null) {
            throw new ErrnoException(Errno.EBADF);
        }
        slots.set(fd - FIRST_FD, null);
        return f;
    }

    private OpenFile slot(int i) {
        AtomicReferenceArray<OpenFile> s = slots;
        return i < 0 || i >= s.length() ? null : s.get(i);
    }
}
