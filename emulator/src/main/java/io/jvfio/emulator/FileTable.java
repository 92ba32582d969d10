package io.jvfio.emulator;

/**
 * A process's file descriptors as the emulated kernel sees them ({@code current->files}): this
 * JVM's own table, or a served client's, whose numbers live in the client's real fd table.
 */
public interface FileTable {
    /** fd_install of a new file at the lowest free number; the table takes over the reference. */
    int install(OpenFile file, int flags);

    /** fget: the file of {@code fd} with a new reference, EBADF if none; the caller must put() it. */
    OpenFile get(int fd);

    /** The file of {@code fd} with a new reference, or null (poll's POLLNVAL). */
    OpenFile getOrNull(int fd);

    /** close_fd: removes {@code fd}; returns the file so the caller drops the fd's reference. */
    OpenFile remove(int fd);
}
