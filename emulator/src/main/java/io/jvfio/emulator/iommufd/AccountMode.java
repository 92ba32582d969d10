package io.jvfio.emulator.iommufd;

/** {@code IOPT_PAGES_ACCOUNT_*}: whom a page set's pinned pages are charged to. */
enum AccountMode {
    /** Not charged (the mapping process had CAP_IPC_LOCK). */
    NONE,
    /** The user's locked_vm against RLIMIT_MEMLOCK. */
    USER,
    /** The process's locked_vm (VmLck) against RLIMIT_MEMLOCK. */
    MM
}
