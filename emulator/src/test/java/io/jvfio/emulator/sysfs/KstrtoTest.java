package io.jvfio.emulator.sysfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** kstrtou16/kstrtoint with base 0 as sysfs stores use them: what parses, what is refused. */
class KstrtoTest {
    @ParameterizedTest(name = "\"{0}\" in [{1}, {2}] -> {3}")
    @CsvSource(
            quoteCharacter = '`',
            value = {
                "7, 0, 65535, 7",
                "`7\n`, 0, 65535, 7",
                "+7, 0, 65535, 7",
                "0x1f, 0, 65535, 31",
                "0X1F, 0, 65535, 31",
                "017, 0, 65535, 15",
                "0, 0, 65535, 0",
                "65535, 0, 65535, 65535",
                "65536, 0, 65535, none",
                "-1, 0, 65535, none",
                "-1, -5, 5, -1",
                "08, 0, 65535, none",
                "0x, 0, 65535, none",
                "`7\n\n`, 0, 65535, none",
                "` 7`, 0, 65535, none",
                "`7 `, 0, 65535, none",
                "++7, 0, 65535, none",
                "+-7, -5, 5, none",
                "``, 0, 65535, none",
                "99999999999999999999, 0, 65535, none",
            })
    void parsesAsTheKernel(String text, long min, long max, String expected) {
        OptionalLong got = Kstrto.parse(text, min, max);
        assertThat(got.isPresent() ? Long.toString(got.getAsLong()) : "none").isEqualTo(expected);
    }
}
