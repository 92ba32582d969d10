package io.jvfio.conformance.iommufd;

import io.jvfio.abi.Linux;
import io.jvfio.conformance.Conformance;
import io.jvfio.kernel.Kernel;
import io.jvfio.testkit.IommufdCalls;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every /dev/iommu conformance test needs: an open iommufd on the selected backend, user
 * memory from mmap, and each ioctl issued raw with its ABI struct ({@link IommufdCalls}, which the
 * emulator's own tests share). Helpers return the kernel's outputs; {@code Errnos.errno} captures a
 * failure.
 */
@Conformance
abstract class IommufdFixture extends IommufdCalls {
    Kernel k;
    int fd;
    final Arena arena = Arena.ofShared();

    @BeforeEach
    void openIommufd(Kernel kernel) {
        k = kernel;
        fd = k.open("/dev/iommu", Linux.O.RDWR);
    }

    @AfterEach
    void closeIommufd() {
        if (fd >= 0) {
            k.close(fd);
        }
        unmapBuffers();
        arena.close();
    }

    @Override
    protected Kernel kernel() {
        return k;
    }

    @Override
    protected int iommufd() {
        return fd;
    }

    @Override
    protected Arena arena() {
        return arena;
    }
}
