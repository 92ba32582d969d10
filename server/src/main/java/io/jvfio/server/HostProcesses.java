package io.jvfio.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The host's process tree, as /proc/PID/stat shows it. */
final class HostProcesses {
    /** How far up a fork chain a process may name the client it inherited its memory from. */
    private static final int MAX_DEPTH = 64;

    private HostProcesses() {}

    /** Whether {@code ancestor} is a parent, grandparent, ... of live process {@code pid}. */
    static boolean isAncestor(int ancestor, int pid) {
        int p = pid;
        for (int depth = 0; depth < MAX_DEPTH && p > 1; depth++) {
            p = parent(p);
            if (p == ancestor) {
                return true;
            }
        }
        return false;
    }

    /** The parent pid of {@code pid}, 0 if it is gone. */
    static int parent(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // pid (comm) state ppid ...: comm may hold spaces and parentheses, so from its last ')'
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3);
            return Integer.parseInt(after[1]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
