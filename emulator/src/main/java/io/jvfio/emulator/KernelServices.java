package io.jvfio.emulator;

import java.lang.foreign.MemorySegment;

/**
 * What the emulated kernel's core offers the subsystems, drivers and device nodes built on it: the
 * VFS they register nodes in, the calling process and its fd table, user mappings with close hooks,
 * page pins, fault injection and the boot configuration. Subsystems take this, never the class that
 * assembles the kernel, so the core knows none of them; a sibling subsystem is handed in when a
 * subsystem is built, or, for a {@link KernelModule} loaded later, found as an exported {@link
 * #symbol}.
 */
public interface KernelServices {
    /** The namespace subsystems register their nodes in. */
    Vfs vfs();

    /** The fail-nth and fault-injection state (per task, with the debugfs knobs). */
    FaultInjection faults();

    /** How the kernel was booted. */
    EmulatorConfig config();

    /** The pins on this machine's pages (what MD_CHECK_REFS counts). */
    PhysicalPages physicalPages();

    /** The process the calling thread acts as ({@code current}). */
    Task currentTask();

    /**
     * Installs {@code file} in the calling process's fd table (anon_inode_getfd, O_CLOEXEC as the
     * ioctls that make files do); the table takes over the reference.
     */
    int installFd(OpenFile file);

    /** fget: the file of {@code fd} with a new reference, EBADF if none; the caller must {@link OpenFile#put}. */
    OpenFile fget(int fd);

    /** close(2) in the calling process: how a failed ioctl takes back an fd it installed. */
    void close(int fd);

    /**
     * For a file's {@code mmap} whose mapping has a close hook (vm_ops->close): the mapping keeps a
     * reference on {@code file}, and {@code close} runs once all of it has been unmapped.
     */
    void addVma(MemorySegment mapping, OpenFile file, Runnable close);

    /**
     * {@code symbol_get}: the subsystem of {@code type} the kernel exports to modules (the mdev bus,
     * the VFIO core, the PCI bus), ENOENT ("Unknown symbol") if this kernel has none.
     */
    <T> T symbol(Class<T> type);
}
