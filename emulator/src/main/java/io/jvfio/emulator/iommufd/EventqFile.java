package io.jvfio.emulator.iommufd;

import io.jvfio.abi.Errno;
import io.jvfio.abi.ErrnoException;
import io.jvfio.abi.Linux;
import io.jvfio.emulator.FaultInjection;
import io.jvfio.emulator.OpenFile;
import java.lang.foreign.MemorySegment;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The file of an event queue ({@code struct iommufd_eventq}'s file, eventq.c): a fault queue's or
 * a vEVENTQ's fd. While open it holds its object (DESTROY is EBUSY) and the context.
 */
abstract class EventqFile extends OpenFile {
    private final IommufdObject owner;
    private final IommufdCtx ictx;

    EventqFile(IommufdObject owner, IommufdCtx ictx) {
        super(Linux.O.RDWR);
        this.owner = owner;
        this.ictx = ictx;
        owner.incUsers();
        ictx.get();
    }

    /**
     * iommufd_eventq_init, then the caller's response, then fd_install: the file from {@code
     * newFile} gets an fd, {@code setFd} stores it in the command, and the command is copied back.
     * If the file, the fd or the copy-back fails, the fd and the file's references are given back
     * (the object itself is the dispatcher's to abort).
     */
    static <F extends EventqFile> F install(Ucmd u, Supplier<F> newFile, IntConsumer setFd) {
        FaultInjection faults = u.ctx.kernel.faults();
        faults.point("anon_inode_getfile");
        F file = newFile.get();
        int fd;
        try {
            faults.point("get_unused_fd_flags");
            fd = u.ctx.kernel.installFd(file);
        } catch (RuntimeException e) {
            file.put();
            throw e;
        }
        setFd.accept(fd);
        try {
            u.respond();
        } catch (RuntimeException e) {
            u.ctx.kernel.close(fd);
            throw e;
        }
        return file;
    }

    /** Event queues have no file position: only offset 0 reads. */
    @Override
    public final long pread(MemorySegment buf, long offset) {
        if (offset != 0) {
            throw new ErrnoException(Errno.ESPIPE);
        }
        return read(buf);
    }

    @Override
    protected void release() {
        owner.decUsers();
        ictx.put();
    }
}
