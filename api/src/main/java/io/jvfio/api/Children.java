package io.jvfio.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;

/**
 * The open objects a parent created, so that closing the parent releases them newest first and a
 * child closed on its own is forgotten. Thread-safe.
 */
final class Children<T> {
    private final SequencedSet<T> open = new LinkedHashSet<>();

    synchronized void add(T child) {
        open.add(child);
    }

    synchronized void remove(T child) {
        open.remove(child);
    }

    /** Removes and returns every child, newest first. */
    synchronized List<T> drain() {
        List<T> all = new ArrayList<>(open.reversed());
        open.clear();
        return all;
    }

    /** Closes every child newest first; the first failure is thrown after all were tried. */
    static void closeAll(List<? extends AutoCloseable> children) {
        RuntimeException first = null;
        for (AutoCloseable c : children) {
            try {
                c.close();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (first == null) {
                    first = r;
                } else {
                    first.addSuppressed(r);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
