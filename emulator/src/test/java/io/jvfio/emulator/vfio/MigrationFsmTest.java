package io.jvfio.emulator.vfio;

import static io.jvfio.abi.vfio.VfioDeviceFeatureMigState.*;
import static io.jvfio.abi.vfio.VfioDeviceFeatureMigration.*;
import static io.jvfio.testkit.Errnos.errno;
import static org.assertj.core.api.Assertions.assertThat;

import io.jvfio.abi.Errno;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * vfio_mig_get_next_state against vfio.h's rules, for each flag combination: every step is an arc
 * the driver must implement for those flags, no saving state (PRE_COPY, PRE_COPY_P2P, STOP_COPY)
 * is passed through, every path is as short as the arcs allow, and the refused requests
 * (unsupported states, STOP_COPY back to a PRE_COPY state) are EINVAL.
 */
class MigrationFsmTest {
    private static final Set<Integer> SAVING = Set.of(STATE_PRE_COPY, STATE_PRE_COPY_P2P, STATE_STOP_COPY);

    private static List<int[]> arcs(int flags) {
        List<int[]> arcs = new ArrayList<>(List.of(
                new int[] {STATE_RESUMING, STATE_STOP},
                new int[] {STATE_STOP, STATE_RESUMING},
                new int[] {STATE_STOP, STATE_STOP_COPY},
                new int[] {STATE_STOP_COPY, STATE_STOP}));
        boolean p2p = (flags & MIGRATION_P2P) != 0;
        boolean pre = (flags & MIGRATION_PRE_COPY) != 0;
        if (p2p) {
            arcs.addAll(List.of(
                    new int[] {STATE_RUNNING, STATE_RUNNING_P2P},
                    new int[] {STATE_RUNNING_P2P, STATE_RUNNING},
                    new int[] {STATE_RUNNING_P2P, STATE_STOP},
                    new int[] {STATE_STOP, STATE_RUNNING_P2P}));
        } else {
            arcs.addAll(List.of(new int[] {STATE_RUNNING, STATE_STOP}, new int[] {STATE_STOP, STATE_RUNNING}));
        }
        if (pre && p2p) {
            arcs.addAll(List.of(
                    new int[] {STATE_PRE_COPY, STATE_RUNNING},
                    new int[] {STATE_PRE_COPY, STATE_PRE_COPY_P2P},
                    new int[] {STATE_PRE_COPY_P2P, STATE_PRE_COPY},
                    new int[] {STATE_PRE_COPY_P2P, STATE_RUNNING_P2P},
                    new int[] {STATE_PRE_COPY_P2P, STATE_STOP_COPY},
                    new int[] {STATE_RUNNING, STATE_PRE_COPY},
                    new int[] {STATE_RUNNING_P2P, STATE_PRE_COPY_P2P}));
        } else if (pre) {
            arcs.addAll(List.of(
                    new int[] {STATE_RUNNING, STATE_PRE_COPY},
                    new int[] {STATE_PRE_COPY, STATE_RUNNING},
                    new int[] {STATE_PRE_COPY, STATE_STOP_COPY}));
        }
        return arcs;
    }

    private static boolean supported(int flags, int state) {
        return switch (state) {
            case STATE_STOP, STATE_RUNNING, STATE_STOP_COPY, STATE_RESUMING -> true;
            case STATE_RUNNING_P2P -> (flags & MIGRATION_P2P) != 0;
            case STATE_PRE_COPY -> (flags & MIGRATION_PRE_COPY) != 0;
            case STATE_PRE_COPY_P2P ->
                (flags & (MIGRATION_P2P | MIGRATION_PRE_COPY)) == (MIGRATION_P2P | MIGRATION_PRE_COPY);
            default -> false;
        };
    }

    /**
     * The shortest path's length over {@code arcs} with no saving state inside it (unless it runs
     * from one saving state to another: one session, as PRE_COPY -> PRE_COPY_P2P -> STOP_COPY); -1
     * if none.
     */
    private static int shortest(List<int[]> arcs, int from, int to) {
        Map<Integer, Integer> dist = new HashMap<>(Map.of(from, 0));
        ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            int s = queue.poll();
            if (s == to) {
                return dist.get(s);
            }
            if (s != from && SAVING.contains(s) && !(SAVING.contains(from) && SAVING.contains(to))) {
                continue; // may end a path, never pass through, except inside the saving group's session
            }
            for (int[] a : arcs) {
                if (a[0] == s && !dist.containsKey(a[1])) {
                    dist.put(a[1], dist.get(s) + 1);
                    queue.add(a[1]);
                }
            }
        }
        return -1;
    }

    @ParameterizedTest
    @ValueSource(
            ints = {
                MIGRATION_STOP_COPY,
                MIGRATION_STOP_COPY | MIGRATION_P2P,
                MIGRATION_STOP_COPY | MIGRATION_PRE_COPY,
                MIGRATION_STOP_COPY | MIGRATION_P2P | MIGRATION_PRE_COPY
            })
    void everyPathTakesRequiredArcsOnlyAndIsShortest(int flags) {
        List<int[]> arcs = arcs(flags);
        int checked = 0;
        for (int cur = 0; cur <= STATE_NR; cur++) {
            for (int target = 0; target <= STATE_NR; target++) {
                final int c = cur;
                final int t = target;
                if (!supported(flags, cur) || !supported(flags, target)) {
                    assertThat(errno(() -> MigrationFsm.nextState(flags, c, t)))
                            .as("%d -> %d", cur, target)
                            .isEqualTo(Errno.EINVAL);
                    continue;
                }
                // vfio.h: STOP_COPY -> PRE_COPY(_P2P) "are not permitted", though arcs would reach them
                boolean blocked = cur == STATE_STOP_COPY && (target == STATE_PRE_COPY || target == STATE_PRE_COPY_P2P);
                int expected = blocked ? -1 : shortest(arcs, cur, target);
                if (expected < 0) {
                    assertThat(errno(() -> MigrationFsm.nextState(flags, c, t)))
                            .as("%d -> %d has no path", cur, target)
                            .isEqualTo(Errno.EINVAL);
                    continue;
                }
                int state = cur;
                int steps = 0;
                while (state != target) {
                    int next = MigrationFsm.nextState(flags, state, target);
                    final int from = state;
                    assertThat(arcs)
                            .as("%d -> %d steps %d -> %d", cur, target, from, next)
                            .anyMatch(a -> a[0] == from && a[1] == next);
                    if (next != target && !(SAVING.contains(cur) && SAVING.contains(target))) {
                        assertThat(SAVING)
                                .as("interior state of %d -> %d", cur, target)
                                .doesNotContain(next);
                    }
                    state = next;
                    steps++;
                }
                assertThat(steps).as("%d -> %d", cur, target).isEqualTo(expected);
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }

    @ParameterizedTest
    @ValueSource(
            ints = {MIGRATION_STOP_COPY | MIGRATION_PRE_COPY, MIGRATION_STOP_COPY | MIGRATION_P2P | MIGRATION_PRE_COPY})
    void stopCopyCannotGoBackToPrecopy(int flags) {
        assertThat(errno(() -> MigrationFsm.nextState(flags, STATE_STOP_COPY, STATE_PRE_COPY)))
                .isEqualTo(Errno.EINVAL);
        if ((flags & MIGRATION_P2P) != 0) {
            assertThat(errno(() -> MigrationFsm.nextState(flags, STATE_STOP_COPY, STATE_PRE_COPY_P2P)))
                    .isEqualTo(Errno.EINVAL);
        }
        assertThat(errno(() -> MigrationFsm.nextState(flags, STATE_ERROR, STATE_RUNNING)))
                .isEqualTo(Errno.EINVAL);
    }
}
