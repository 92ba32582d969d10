/** The Linux 7.2 UAPI as Java: ioctl numbers, struct layouts and their codecs, errno. */
module io.jvfio.abi {
    exports io.jvfio.abi;
    exports io.jvfio.abi.catalog;
    exports io.jvfio.abi.fs;
    exports io.jvfio.abi.iommufd;
    exports io.jvfio.abi.kvm;
    exports io.jvfio.abi.selftest;
    exports io.jvfio.abi.vfio;
}
