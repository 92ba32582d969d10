package io.jvfio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block in the docs is a region of a test source that the build compiles and runs: a
 * {@code ```java} fence must follow a line {@code <!-- example: MODULE/src/test/java/...java#NAME -->},
 * and its text must be that file's lines between {@code // docs:begin NAME} and {@code // docs:end
 * NAME}, less their common indentation. So an example cannot drift from the code: changing the API
 * breaks the test's compilation, changing the test without the doc fails here. {@code
 * -Djvfio.docs.update=true} rewrites the docs' blocks from the sources.
 */
class DocExamplesTest {
    private static final Pattern MARKER = Pattern.compile("<!-- example: (\\S+)#(\\S+) -->");
    private static final Path ROOT = root();

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(p.resolve("docs")) || !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        return p;
    }

    private static List<Path> markdown() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(f -> f.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** The region {@code name} of {@code source}, dedented. */
    static List<String> region(Path source, String name) throws IOException {
        List<String> lines = Files.readAllLines(source);
        int begin = lines.indexOf(lines.stream()
                .filter(l -> l.strip().equals("// docs:begin " + name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(source + " has no region " + name)));
        int end = begin + 1;
        while (end < lines.size() && !lines.get(end).strip().equals("// docs:end " + name)) {
            end++;
        }
        assertThat(end).as(source + ": region " + name + " is never closed").isLessThan(lines.size());
        List<String> body = lines.subList(begin + 1, end);
        int indent = body.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return body.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
    }

    @Test
    void everyJavaBlockInTheDocsIsATestedRegion() throws IOException {
        boolean update = Boolean.getBoolean("jvfio.docs.update");
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path md : markdown()) {
            List<String> lines = Files.readAllLines(md);
            List<String> out = new ArrayList<>();
            String name = ROOT.relativize(md).toString();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                out.add(line);
                if (!line.strip().equals("```java")) {
                    continue;
                }
                int close = i + 1;
                while (close < lines.size() && !lines.get(close).strip().equals("```")) {
                    close++;
                }
                List<String> block = lines.subList(i + 1, Math.min(close, lines.size()));
                Matcher m = i > 0 ? MARKER.matcher(lines.get(i - 1).strip()) : null;
                if (m == null || !m.matches()) {
                    problems.add(name + ":" + (i + 1) + ": a java block without an <!-- example: FILE#NAME --> line");
                    out.addAll(block);
                } else {
                    List<String> region = region(ROOT.resolve(m.group(1)), m.group(2));
                    if (!region.equals(block)) {
                        problems.add(name + ":" + (i + 1) + ": differs from " + m.group(1) + "#" + m.group(2));
                    }
                    out.addAll(update ? region : block);
                    checked++;
                }
                i = close - 1;
            }
            if (update) {
                Files.writeString(md, String.join("\n", out) + "\n");
            }
        }
        assertThat(problems)
                .as("run with -Djvfio.docs.update=true to copy the regions")
                .isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(6);
    }
}
