package io.jvfio.abi.catalog;

import io.jvfio.abi.StructDef;
import io.jvfio.abi.fs.ProcmapQuery;
import io.jvfio.abi.iommufd.IommuDestroy;
import io.jvfio.abi.iommufd.IommuFaultAlloc;
import io.jvfio.abi.iommufd.IommuHwInfo;
import io.jvfio.abi.iommufd.IommuHwInfoAmd;
import io.jvfio.abi.iommufd.IommuHwInfoArmSmmuv3;
import io.jvfio.abi.iommufd.IommuHwInfoTegra241Cmdqv;
import io.jvfio.abi.iommufd.IommuHwInfoVtd;
import io.jvfio.abi.iommufd.IommuHwQueueAlloc;
import io.jvfio.abi.iommufd.IommuHwptAlloc;
import io.jvfio.abi.iommufd.IommuHwptAmdGuest;
import io.jvfio.abi.iommufd.IommuHwptArmSmmuv3;
import io.jvfio.abi.iommufd.IommuHwptGetDirtyBitmap;
import io.jvfio.abi.iommufd.IommuHwptInvalidate;
import io.jvfio.abi.iommufd.IommuHwptPageResponse;
import io.jvfio.abi.iommufd.IommuHwptPgfault;
import io.jvfio.abi.iommufd.IommuHwptSetDirtyTracking;
import io.jvfio.abi.iommufd.IommuHwptVtdS1;
import io.jvfio.abi.iommufd.IommuHwptVtdS1Invalidate;
import io.jvfio.abi.iommufd.IommuIoasAlloc;
import io.jvfio.abi.iommufd.IommuIoasAllowIovas;
import io.jvfio.abi.iommufd.IommuIoasChangeProcess;
import io.jvfio.abi.iommufd.IommuIoasCopy;
import io.jvfio.abi.iommufd.IommuIoasIovaRanges;
import io.jvfio.abi.iommufd.IommuIoasMap;
import io.jvfio.abi.iommufd.IommuIoasMapFile;
import io.jvfio.abi.iommufd.IommuIoasUnmap;
import io.jvfio.abi.iommufd.IommuIovaRange;
import io.jvfio.abi.iommufd.IommuOption;
import io.jvfio.abi.iommufd.IommuVdeviceAlloc;
import io.jvfio.abi.iommufd.IommuVeventArmSmmuv3;
import io.jvfio.abi.iommufd.IommuVeventTegra241Cmdqv;
import io.jvfio.abi.iommufd.IommuVeventqAlloc;
import io.jvfio.abi.iommufd.IommuVfioIoas;
import io.jvfio.abi.iommufd.IommuViommuAlloc;
import io.jvfio.abi.iommufd.IommuViommuArmSmmuv3Invalidate;
import io.jvfio.abi.iommufd.IommuViommuTegra241Cmdqv;
import io.jvfio.abi.iommufd.IommufdVeventHeader;
import io.jvfio.abi.kvm.KvmCreateDevice;
import io.jvfio.abi.kvm.KvmDeviceAttr;
import io.jvfio.abi.selftest.IommuHwptInvalidateSelftest;
import io.jvfio.abi.selftest.IommuHwptSelftest;
import io.jvfio.abi.selftest.IommuTestCmd;
import io.jvfio.abi.selftest.IommuTestHwInfo;
import io.jvfio.abi.selftest.IommuViommuEventSelftest;
import io.jvfio.abi.selftest.IommuViommuInvalidateSelftest;
import io.jvfio.abi.selftest.IommuViommuSelftest;
import io.jvfio.abi.vfio.VfioBitmap;
import io.jvfio.abi.vfio.VfioDeviceAttachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceBindIommufd;
import io.jvfio.abi.vfio.VfioDeviceDetachIommufdPt;
import io.jvfio.abi.vfio.VfioDeviceFeature;
import io.jvfio.abi.vfio.VfioDeviceFeatureBusMaster;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaBuf;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingControl;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingRange;
import io.jvfio.abi.vfio.VfioDeviceFeatureDmaLoggingReport;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigDataSize;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigState;
import io.jvfio.abi.vfio.VfioDeviceFeatureMigration;
import io.jvfio.abi.vfio.VfioDeviceGfxPlaneInfo;
import io.jvfio.abi.vfio.VfioDeviceInfo;
import io.jvfio.abi.vfio.VfioDeviceInfoCapPciAtomicComp;
import io.jvfio.abi.vfio.VfioDeviceIoeventfd;
import io.jvfio.abi.vfio.VfioDeviceLowPowerEntryWithWakeup;
import io.jvfio.abi.vfio.VfioDeviceMigrationInfo;
import io.jvfio.abi.vfio.VfioEehPeErr;
import io.jvfio.abi.vfio.VfioEehPeOp;
import io.jvfio.abi.vfio.VfioGroupStatus;
import io.jvfio.abi.vfio.VfioInfoCapHeader;
import io.jvfio.abi.vfio.VfioIommuSpaprRegisterMemory;
import io.jvfio.abi.vfio.VfioIommuSpaprTceCreate;
import io.jvfio.abi.vfio.VfioIommuSpaprTceDdwInfo;
import io.jvfio.abi.vfio.VfioIommuSpaprTceInfo;
import io.jvfio.abi.vfio.VfioIommuSpaprTceRemove;
import io.jvfio.abi.vfio.VfioIommuType1DirtyBitmap;
import io.jvfio.abi.vfio.VfioIommuType1DirtyBitmapGet;
import io.jvfio.abi.vfio.VfioIommuType1DmaMap;
import io.jvfio.abi.vfio.VfioIommuType1DmaUnmap;
import io.jvfio.abi.vfio.VfioIommuType1Info;
import io.jvfio.abi.vfio.VfioIommuType1InfoCapIovaRange;
import io.jvfio.abi.vfio.VfioIommuType1InfoCapMigration;
import io.jvfio.abi.vfio.VfioIommuType1InfoDmaAvail;
import io.jvfio.abi.vfio.VfioIovaRange;
import io.jvfio.abi.vfio.VfioIrqInfo;
import io.jvfio.abi.vfio.VfioIrqSet;
import io.jvfio.abi.vfio.VfioPciDependentDevice;
import io.jvfio.abi.vfio.VfioPciHotReset;
import io.jvfio.abi.vfio.VfioPciHotResetInfo;
import io.jvfio.abi.vfio.VfioPrecopyInfo;
import io.jvfio.abi.vfio.VfioRegionDmaRange;
import io.jvfio.abi.vfio.VfioRegionGfxEdid;
import io.jvfio.abi.vfio.VfioRegionInfo;
import io.jvfio.abi.vfio.VfioRegionInfoCapNvlink2Lnkspd;
import io.jvfio.abi.vfio.VfioRegionInfoCapNvlink2Ssatgt;
import io.jvfio.abi.vfio.VfioRegionInfoCapSparseMmap;
import io.jvfio.abi.vfio.VfioRegionInfoCapType;
import io.jvfio.abi.vfio.VfioRegionSparseMmapArea;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Every struct of the uAPI this project speaks, grouped by the header that defines it, in header
 * order. The ABI test checks each one against gcc's layout of the real header; documentation can
 * list them from here.
 */
public final class AbiStructs {
    /** A header the structs come from, with the #include line that brings it into a C program. */
    public enum Header {
        IOMMUFD("<linux/iommufd.h>"),
        VFIO("<linux/vfio.h>"),
        /** The selftest uAPI: not installed with the uAPI headers, it lives in the kernel tree. */
        IOMMUFD_TEST("\"iommufd_test.h\""),
        /** Only the items the kvm-vfio device needs. */
        KVM("<linux/kvm.h>"),
        /** Only PROCMAP_QUERY, which the emulated kernel's pin check asks the host with. */
        FS("<linux/fs.h>");

        private final String include;

        Header(String include) {
            this.include = include;
        }

        /** The argument of {@code #include}, with its brackets or quotes. */
        public String include() {
            return include;
        }
    }

    private static final Map<Header, List<StructDef>> BY_HEADER = new EnumMap<>(Header.class);

    static {
        register(
                Header.IOMMUFD,
                IommuDestroy.DEF,
                IommuIoasAlloc.DEF,
                IommuIovaRange.DEF,
                IommuIoasIovaRanges.DEF,
                IommuIoasAllowIovas.DEF,
                IommuIoasMap.DEF,
                IommuIoasMapFile.DEF,
                IommuIoasCopy.DEF,
                IommuIoasUnmap.DEF,
                IommuOption.DEF,
                IommuVfioIoas.DEF,
                IommuHwptVtdS1.DEF,
                IommuHwptArmSmmuv3.DEF,
                IommuHwptAmdGuest.DEF,
                IommuHwptAlloc.DEF,
                IommuHwInfoVtd.DEF,
                IommuHwInfoArmSmmuv3.DEF,
                IommuHwInfoTegra241Cmdqv.DEF,
                IommuHwInfoAmd.DEF,
                IommuHwInfo.DEF,
                IommuHwptSetDirtyTracking.DEF,
                IommuHwptGetDirtyBitmap.DEF,
                IommuHwptVtdS1Invalidate.DEF,
                IommuViommuArmSmmuv3Invalidate.DEF,
                IommuHwptInvalidate.DEF,
                IommuHwptPgfault.DEF,
                IommuHwptPageResponse.DEF,
                IommuFaultAlloc.DEF,
                IommuViommuTegra241Cmdqv.DEF,
                IommuViommuAlloc.DEF,
                IommuVdeviceAlloc.DEF,
                IommuIoasChangeProcess.DEF,
                IommufdVeventHeader.DEF,
                IommuVeventArmSmmuv3.DEF,
                IommuVeventTegra241Cmdqv.DEF,
                IommuVeventqAlloc.DEF,
                IommuHwQueueAlloc.DEF);
        register(
                Header.VFIO,
                VfioInfoCapHeader.DEF,
                VfioGroupStatus.DEF,
                VfioDeviceInfo.DEF,
                VfioDeviceInfoCapPciAtomicComp.DEF,
                VfioRegionInfo.DEF,
                VfioRegionSparseMmapArea.DEF,
                VfioRegionInfoCapSparseMmap.DEF,
                VfioRegionInfoCapType.DEF,
                VfioRegionGfxEdid.DEF,
                VfioDeviceMigrationInfo.DEF,
                VfioRegionInfoCapNvlink2Ssatgt.DEF,
                VfioRegionInfoCapNvlink2Lnkspd.DEF,
                VfioIrqInfo.DEF,
                VfioIrqSet.DEF,
                VfioPciDependentDevice.DEF,
                VfioPciHotResetInfo.DEF,
                VfioPciHotReset.DEF,
                VfioDeviceGfxPlaneInfo.DEF,
                VfioDeviceIoeventfd.DEF,
                VfioDeviceFeature.DEF,
                VfioDeviceBindIommufd.DEF,
                VfioDeviceAttachIommufdPt.DEF,
                VfioDeviceDetachIommufdPt.DEF,
                VfioDeviceFeatureMigration.DEF,
                VfioDeviceFeatureMigState.DEF,
                VfioPrecopyInfo.DEF,
                VfioDeviceLowPowerEntryWithWakeup.DEF,
                VfioDeviceFeatureDmaLoggingControl.DEF,
                VfioDeviceFeatureDmaLoggingRange.DEF,
                VfioDeviceFeatureDmaLoggingReport.DEF,
                VfioDeviceFeatureMigDataSize.DEF,
                VfioDeviceFeatureBusMaster.DEF,
                VfioRegionDmaRange.DEF,
                VfioDeviceFeatureDmaBuf.DEF,
                VfioIommuType1Info.DEF,
                VfioIovaRange.DEF,
                VfioIommuType1InfoCapIovaRange.DEF,
                VfioIommuType1InfoCapMigration.DEF,
                VfioIommuType1InfoDmaAvail.DEF,
                VfioIommuType1DmaMap.DEF,
                VfioBitmap.DEF,
                VfioIommuType1DmaUnmap.DEF,
                VfioIommuType1DirtyBitmap.DEF,
                VfioIommuType1DirtyBitmapGet.DEF,
                VfioIommuSpaprTceDdwInfo.DEF,
                VfioIommuSpaprTceInfo.DEF,
                VfioEehPeErr.DEF,
                VfioEehPeOp.DEF,
                VfioIommuSpaprRegisterMemory.DEF,
                VfioIommuSpaprTceCreate.DEF,
                VfioIommuSpaprTceRemove.DEF);
        register(
                Header.IOMMUFD_TEST,
                IommuTestCmd.DEF,
                IommuTestHwInfo.DEF,
                IommuHwptSelftest.DEF,
                IommuHwptInvalidateSelftest.DEF,
                IommuViommuSelftest.DEF,
                IommuViommuInvalidateSelftest.DEF,
                IommuViommuEventSelftest.DEF);
        register(Header.KVM, KvmCreateDevice.DEF, KvmDeviceAttr.DEF);
        register(Header.FS, ProcmapQuery.DEF);
    }

    private AbiStructs() {}

    private static void register(Header header, StructDef... defs) {
        BY_HEADER.put(header, List.of(defs));
    }

    /** The structs of {@code header}, in the order the header defines them. */
    public static List<StructDef> of(Header header) {
        return BY_HEADER.get(header);
    }

    /** Every struct, header by header. */
    public static List<StructDef> all() {
        List<StructDef> all = new ArrayList<>();
        BY_HEADER.values().forEach(all::addAll);
        return Collections.unmodifiableList(all);
    }
}
