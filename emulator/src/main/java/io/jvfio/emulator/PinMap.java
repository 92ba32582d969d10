package io.jvfio.emulator;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many users cover each page index, as disjoint runs with a count: the users (domain-filled
 * areas, access pins) of one iommufd page set, or the pins of the pages of one backing object
 * ({@link PhysicalPages}). Adding a range reports the runs that just became covered (to pin) and
 * removing one reports the runs that became uncovered (to unpin).
 */
public final class PinMap {
    /** A run [first, last] of pages with {@code count} users. */
    private static final class Run {
        long last;
        int count;

        Run(long last, int count) {
            this.last = last;
            this.count = count;
        }
    }

    private final TreeMap<Long, Run> runs = new TreeMap<>();

    /** Adds one user over [first, last]; returns the sub-ranges {first, last} that had none. */
    public List<long[]> add(long first, long last) {
        split(first);
        split(last + 1);
        List<long[]> fresh = new ArrayList<>();
        long cursor = first;
        List<long[]> gaps = new ArrayList<>();
        for (Map.Entry<Long, Run> e : runs.subMap(first, true, last, true).entrySet()) {
            if (e.getKey() > cursor) {
                gaps.add(new long[] {cursor, e.getKey() - 1});
            }
            e.getValue().count++;
            cursor = e.getValue().last + 1;
        }
        if (cursor <= last) {
            gaps.add(new long[] {cursor, last});
        }
        for (long[] g : gaps) {
            runs.put(g[0], new Run(g[1], 1));
            fresh.add(g);
        }
        coalesce(first, last);
        return fresh;
    }

    /** Removes one user over [first, last] (which it must cover); returns the sub-ranges left with none. */
    public List<long[]> remove(long first, long last) {
        split(first);
        split(last + 1);
        List<long[]> freed = new ArrayList<>();
        Iterator<Map.Entry<Long, Run>> it =
                runs.subMap(first, true, last, true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Run> e = it.next();
            Run r = e.getValue();
            if (--r.count == 0) {
                freed.add(new long[] {e.getKey(), r.last});
                it.remove();
            }
        }
        coalesce(first, last);
        return freed;
    }

    public boolean isEmpty() {
        return runs.isEmpty();
    }

    /** The number of users of page index {@code page}. */
    public int count(long page) {
        Map.Entry<Long, Run> e = runs.floorEntry(page);
        return e != null && e.getValue().last >= page ? e.getValue().count : 0;
    }

    /** Number of pages with at least one user. */
    public long coveredPages() {
        long n = 0;
        for (Map.Entry<Long, Run> e : runs.entrySet()) {
            n += e.getValue().last - e.getKey() + 1;
        }
        return n;
    }

    /** Makes {@code at} the start of a run if a run spans it. */
    private void split(long at) {
        Map.Entry<Long, Run> e = runs.lowerEntry(at);
        if (e != null && e.getValue().last >= at) {
            Run r = e.getValue();
            runs.put(at, new Run(r.last, r.count));
            r.last = at - 1;
        }
    }

    /** Merges touching runs of equal count around [first, last], keeping the map small. */
    private void coalesce(long first, long last) {
        Long key = runs.floorKey(first - 1);
        if (key == null) {
            key = runs.ceilingKey(first);
        }
        while (key != null && key <= last + 1) {
            Run r = runs.get(key);
            Map.Entry<Long, Run> next = runs.higherEntry(key);
            if (next != null && next.getKey() == r.last + 1 && next.getValue().count == r.count) {
                r.last = next.getValue().last;
                runs.remove(next.getKey());
            } else {
                key = next == null ? null : next.getKey();
            }
        }
    }
}
