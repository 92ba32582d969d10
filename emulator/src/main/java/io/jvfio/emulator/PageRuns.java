package io.jvfio.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Disjoint runs of backing pages ({@link PhysicalPages.Run}) by the index of their first page: the
 * pages a page set pinned by its page index, or the shared pages a process pinned by user page
 * number. Not thread-safe: its owner's lock guards it.
 */
public final class PageRuns {
    private final TreeMap<Long, PhysicalPages.Run> runs = new TreeMap<>();

    /** Records {@code run} from {@code index} on, forgetting what was recorded there before. */
    public void put(long index, PhysicalPages.Run run) {
        remove(index, index + run.count() - 1);
        runs.put(index, run);
    }

    /** Forgets indices [first, last]; returns the runs recorded there, cut at the bounds. */
    public List<PhysicalPages.Run> remove(long first, long last) {
        split(first);
        split(last + 1);
        Map<Long, PhysicalPages.Run> inside = runs.subMap(first, true, last, true);
        List<PhysicalPages.Run> removed = new ArrayList<>(inside.values());
        inside.clear();
        return removed;
    }

    /** The run recorded over {@code index}, from that index on; null if none is. */
    public PhysicalPages.Run at(long index) {
        Map.Entry<Long, PhysicalPages.Run> e = runs.floorEntry(index);
        if (e == null || e.getKey() + e.getValue().count() <= index) {
            return null;
        }
        long skip = index - e.getKey();
        return e.getValue().slice(skip, e.getValue().count() - skip);
    }

    public void clear() {
        runs.clear();
    }

    private void split(long index) {
        Map.Entry<Long, PhysicalPages.Run> e = runs.lowerEntry(index);
        if (e != null && e.getKey() + e.getValue().count() > index) {
            long head = index - e.getKey();
            PhysicalPages.Run r = e.getValue();
            runs.put(e.getKey(), r.slice(0, head));
            runs.put(index, r.slice(head, r.count() - head));
        }
    }
}
