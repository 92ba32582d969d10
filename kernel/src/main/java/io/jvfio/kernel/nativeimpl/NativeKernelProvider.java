package io.jvfio.kernel.nativeimpl;

import io.jvfio.kernel.Kernel;
import io.jvfio.kernel.KernelProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real kernel, usable where /dev/iommu can be opened for reading and writing. */
public final class NativeKernelProvider implements KernelProvider {
    @Override
    public String name() {
        return "native";
    }

    @Override
    public boolean available() {
        Path iommu = Path.of("/dev/iommu");
        return Files.isReadable(iommu) && Files.isWritable(iommu);
    }

    @Override
    public Kernel open() {
        return NativeKernel.instance();
    }
}
