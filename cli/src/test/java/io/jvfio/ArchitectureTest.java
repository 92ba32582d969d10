package io.jvfio;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import org.junit.jupiter.api.Test;

/** The layering the module list promises, checked on the compiled classes of every module. */
class ArchitectureTest {
    private static final String NATIVE = "io.jvfio.kernel.nativeimpl..";
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.jvfio");

    @Test
    void onlyTheNativeBackendTouchesTheLinker() {
        noClasses()
                .that()
                .resideOutsideOfPackage(NATIVE)
                .should()
                .dependOnClassesThat()
                .belongToAnyOf(Linker.class, Linker.Option.class, SymbolLookup.class)
                .check(CLASSES);
    }

    @Test
    void onlyTheNativeBackendMakesRestrictedCalls() {
        // So that on the module path native access is granted to io.jvfio.kernel alone: a
        // restricted method called from any other module fails there (--illegal-native-access=deny).
        noClasses()
                .that()
                .resideOutsideOfPackage(NATIVE)
                .should()
                .callMethodWhere(target(name("reinterpret")).and(target(owner(assignableTo(MemorySegment.class)))))
                .check(CLASSES);
    }

    @Test
    void theRuleAboveSeesTheNativeBackend() {
        // Guards against the first rule passing vacuously because nothing was imported.
        assertThat(CLASSES.stream()
                        .filter(c -> c.getPackageName().startsWith("io.jvfio.kernel.nativeimpl"))
                        .anyMatch(c -> c.getDirectDependenciesFromSelf().stream()
                                .anyMatch(d -> d.getTargetClass().isEquivalentTo(Linker.class))))
                .isTrue();
    }

    @Test
    void theApiReachesTheEmulationOnlyThroughTheBoundary() {
        // The emulated backend is found by name (KernelProvider) and described by text
        // (EmulatedPlatform): the API runs unchanged on a class path without the emulator.
        noClasses()
                .that()
                .resideInAPackage("io.jvfio.api..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.jvfio.emulator..", "io.jvfio.devices..")
                .check(CLASSES);
    }

    @Test
    void layersDependOnlyDownwards() {
        layeredArchitecture()
                .consideringOnlyDependenciesInAnyPackage("io.jvfio..")
                .layer("abi")
                .definedBy("io.jvfio.abi..")
                .layer("kernel")
                .definedBy("io.jvfio.kernel..")
                .layer("testkit")
                .definedBy("io.jvfio.testkit..")
                .layer("emulator")
                .definedBy("io.jvfio.emulator..")
                .layer("devices")
                .definedBy("io.jvfio.devices..")
                .layer("server")
                .definedBy("io.jvfio.server..")
                .layer("api")
                .definedBy("io.jvfio.api..")
                .layer("conformance")
                .definedBy("io.jvfio.conformance..")
                .layer("cli")
                .definedBy("io.jvfio.cli..")
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("conformance")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("server")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("api")
                .mayOnlyBeAccessedByLayers("conformance", "cli")
                // test helpers: the conformance suite ships them, no production layer may use them
                .whereLayer("testkit")
                .mayOnlyBeAccessedByLayers("conformance")
                .whereLayer("devices")
                .mayOnlyBeAccessedByLayers("conformance", "cli")
                .whereLayer("emulator")
                .mayOnlyBeAccessedByLayers("devices", "server", "conformance", "cli")
                .whereLayer("kernel")
                .mayOnlyBeAccessedByLayers("testkit", "emulator", "devices", "server", "api", "conformance", "cli")
                .withOptionalLayers(true)
                .check(CLASSES);
    }

    @Test
    void packagesAreFreeOfCycles() {
        // Every package is its own slice (io.jvfio.emulator apart from io.jvfio.emulator.vfio, and
        // so on), so a subsystem reaching back into the class that assembles the kernel is a cycle.
        slices().matching("io.jvfio.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void theEmulatorIsLayeredFromHardwareUpToBoot() {
        // docs/emulator.md, "Layers": the core knows no subsystem; only boot knows them all.
        layeredArchitecture()
                .consideringOnlyDependenciesInAnyPackage("io.jvfio.emulator..")
                .layer("hardware")
                .definedBy("io.jvfio.emulator.pci..", "io.jvfio.emulator.iommu..")
                .layer("core")
                .definedBy("io.jvfio.emulator")
                .layer("driver core")
                .definedBy("io.jvfio.emulator.bus..", "io.jvfio.emulator.sysfs..", "io.jvfio.emulator.dmabuf..")
                .layer("iommufd")
                .definedBy("io.jvfio.emulator.iommufd..")
                .layer("vfio")
                .definedBy(
                        "io.jvfio.emulator.vfio", "io.jvfio.emulator.vfio.mdev..", "io.jvfio.emulator.vfio.migration..")
                .layer("kvm")
                .definedBy("io.jvfio.emulator.kvm..")
                .layer("drivers")
                .definedBy("io.jvfio.emulator.vfio.pci..")
                .layer("boot")
                .definedBy("io.jvfio.emulator.boot..")
                .whereLayer("boot")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("drivers")
                .mayOnlyBeAccessedByLayers("boot")
                .whereLayer("kvm")
                .mayOnlyBeAccessedByLayers("boot")
                .whereLayer("vfio")
                .mayOnlyBeAccessedByLayers("kvm", "drivers", "boot")
                .whereLayer("iommufd")
                .mayOnlyBeAccessedByLayers("vfio", "drivers", "boot")
                .whereLayer("driver core")
                .mayOnlyBeAccessedByLayers("iommufd", "vfio", "kvm", "drivers", "boot")
                .whereLayer("core")
                .mayOnlyBeAccessedByLayers("driver core", "iommufd", "vfio", "kvm", "drivers", "boot")
                .ensureAllClassesAreContainedInArchitecture()
                .check(CLASSES.that(resideInAPackage("io.jvfio.emulator..")));
    }
}
