package io.jvfio.api;

/** Whom pinned pages are charged to against RLIMIT_MEMLOCK (IOMMU_OPTION_RLIMIT_MODE). */
public enum RlimitMode {
    /** The user (the default for /dev/iommu). */
    USER,
    /** The process's mm, as VFIO type1 did. */
    PROCESS
}
