/** The typed API: iommufd, VFIO devices and the Java drivers, on any backend. */
module io.jvfio.api {
    requires transitive io.jvfio.kernel;

    exports io.jvfio.api;
    exports io.jvfio.api.driver;
}
