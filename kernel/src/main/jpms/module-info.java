/**
 * The system-call boundary ({@code Kernel}) and its native backend. The one jvfio module that makes
 * restricted FFM calls: grant it alone native access ({@code --enable-native-access=io.jvfio.kernel}).
 * The native backend's package is for jvfio's own modules.
 */
module io.jvfio.kernel {
    requires transitive io.jvfio.abi;

    exports io.jvfio.kernel;
    exports io.jvfio.kernel.nativeimpl to
            io.jvfio.emulator,
            io.jvfio.server,
            io.jvfio.testkit,
            io.jvfio.cli,
            io.jvfio.conformance;

    uses io.jvfio.kernel.KernelProvider;

    provides io.jvfio.kernel.KernelProvider with
            io.jvfio.kernel.nativeimpl.NativeKernelProvider;
}
