package io.jvfio.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Choosing a backend. */
class JvfioTest {
    @Test
    void automaticChoiceIsNativeOnlyWhereDevIommuIsUsable() {
        Path iommu = Path.of("/dev/iommu");
        String expected = Files.isReadable(iommu) && Files.isWritable(iommu) ? "native" : "emulated";
        String saved = System.clearProperty(Jvfio.BACKEND_PROPERTY);
        try (Jvfio jvfio = Jvfio.open()) {
            assertThat(jvfio.backend()).isEqualTo(expected);
        } finally {
            if (saved != null) {
                System.setProperty(Jvfio.BACKEND_PROPERTY, saved);
            }
        }
    }

    @Test
    void thePropertyOverridesTheAutomaticChoice() {
        String saved = System.setProperty(Jvfio.BACKEND_PROPERTY, "native");
        try (Jvfio jvfio = Jvfio.open()) {
            assertThat(jvfio.backend()).isEqualTo("native");
        } finally {
            if (saved == null) {
                System.clearProperty(Jvfio.BACKEND_PROPERTY);
            } else {
                System.setProperty(Jvfio.BACKEND_PROPERTY, saved);
            }
        }
    }

    @Test
    void backendsAreFoundByName() {
        try (Jvfio emulated = Jvfio.open("emulated")) {
            assertThat(emulated.backend()).isEqualTo("emulated");
        }
        assertThatThrownBy(() -> Jvfio.open("quantum"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("native");
    }
}
