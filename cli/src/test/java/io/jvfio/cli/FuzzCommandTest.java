package io.jvfio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jvfio fuzz on the emulated backend: logs are reproducible, clean, and compared line by line. */
class FuzzCommandTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName(
            "a seed replays to the same log every time; every operation gives a result and every page is unpinned at the end")
    void reproducibleAndClean() throws IOException {
        Path first = dir.resolve("first.log");
        Path second = dir.resolve("second.log");
        String[] args = {"fuzz", "--mode", "iommufd,vfio", "--seed", "7", "--seeds", "2", "--ops", "400", "--out"};
        assertThat(CliRun.of(concat(args, first.toString())).exit()).isZero();
        CliRun again = CliRun.of(concat(args, second.toString(), "--compare", first.toString()));
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("fuzz: 4 sequences of 400 ops, 0 diverged");
        List<String> log = Files.readAllLines(first);
        assertThat(log).hasSize(4 * (400 + 2));
        assertThat(log).noneMatch(l -> l.contains("EXCEPTION"));
        assertThat(log).filteredOn(l -> l.startsWith("end ")).containsOnly("end unpinned yes", "end closed");
        // Operations succeed often enough to reach deep states, and fail in many ways.
        assertThat(log)
                .filteredOn(l -> l.endsWith(" = 0") || l.contains("= iova="))
                .hasSizeGreaterThan(100);
        assertThat(log.stream()
                        .map(l -> l.substring(l.lastIndexOf(" = ") + 3))
                        .filter(r -> r.startsWith("E"))
                        .distinct())
                .hasSizeGreaterThan(10);
    }

    @Test
    @DisplayName(
            "VFIO mode drives mtty's migration: state changes open data fds, which are read, written and asked for PRECOPY_INFO")
    void vfioMigration() throws IOException {
        Path log = dir.resolve("vfio.log");
        assertThat(CliRun.of(
                                "fuzz",
                                "--mode",
                                "vfio",
                                "--seed",
                                "1",
                                "--seeds",
                                "3",
                                "--ops",
                                "300",
                                "--out",
                                log.toString())
                        .exit())
                .isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).noneMatch(l -> l.contains("EXCEPTION"));
        // One success of each kind at least (mtty: 96 bytes of state, a 24-byte header first).
        for (String result : List.of(
                "mtty_open .* = devid=\\d+",
                "feature_migration .* = flags=7",
                "mig_state_set .* = data_fd=fd#\\d+",
                "mig_state_get .* = state=[1-7]",
                "mig_data_size .* = length=96",
                "precopy_info .* = flags=0 initial=24 dirty=0",
                "precopy_v2 .* = 0",
                "data_read .* = n=24 crc=\\p{XDigit}+",
                "data_write .* = n=[1-9]\\d*",
                "device_reset .* = 0")) {
            assertThat(lines).as(result).anyMatch(l -> l.matches("\\d+ " + result));
        }
    }

    @Test
    @DisplayName("--compare reports the first differing line of each seed and exits 1")
    void reportsDivergence() throws IOException {
        Path log = dir.resolve("log");
        assertThat(CliRun.of("fuzz", "--seed", "3", "--ops", "50", "--out", log.toString())
                        .exit())
                .isZero();
        List<String> lines = Files.readAllLines(log);
        lines.set(20, lines.get(20) + " (altered)");
        Path altered = dir.resolve("altered");
        Files.write(altered, lines);
        CliRun run = CliRun.of(
                "fuzz",
                "--seed",
                "3",
                "--ops",
                "50",
                "--out",
                dir.resolve("x").toString(),
                "--compare",
                altered.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out())
                .contains("diverged: seed 3 iommufd 50: line 20 (1 lines differ)", "(altered)", "1 diverged");
    }

    @Test
    @DisplayName("a mode it does not know is a usage error naming the option")
    void unknownMode() {
        CliRun run = CliRun.of("fuzz", "--mode", "nope");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--mode");
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = new String[head.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }
}
