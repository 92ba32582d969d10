package io.jvfio.emulator.iommufd;

import java.util.ArrayList;
import java.util.List;

/** A test double for a pinning access: remembers its pins and drops them when told (unless stubborn). */
final class FakeAccess implements IoptAccess {
    private final IoPagetable iopt;
    final List<long[]> pins = new ArrayList<>();
    volatile boolean stubborn;
    int notifications;

    FakeAccess(IoPagetable iopt) {
        this.iopt = iopt;
    }

    @Override
    public long iovaAlignment() {
        return Pages.PAGE_SIZE;
    }

    synchronized void pin(long iova, long length) {
        AreaAccess.pinPages(iopt, iova, length, true, false);
        pins.add(new long[] {iova, length});
    }

    @Override
    public synchronized void notifyUnmap(long iova, long length) {
        notifications++;
        if (stubborn) {
            return;
        }
        pins.removeIf(p -> {
            boolean hit = Long.compareUnsigned(p[0], iova + length - 1) <= 0
                    && Long.compareUnsigned(iova, p[0] + p[1] - 1) <= 0;
            if (hit) {
                AreaAccess.unpinPages(iopt, p[0], p[1], false);
            }
            return hit;
        });
    }
}
