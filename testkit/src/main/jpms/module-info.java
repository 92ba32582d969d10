/** Typed iommufd and VFIO calls over any {@code Kernel}, for tests and the conformance suite. */
module io.jvfio.testkit {
    requires transitive io.jvfio.kernel;

    exports io.jvfio.testkit;
}
