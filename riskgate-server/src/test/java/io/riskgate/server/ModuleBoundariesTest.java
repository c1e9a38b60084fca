package io.riskgate.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of the architecture, checked on the sources: the language depends on no
 * other module, the engine does no I/O, and each library is imported only by the module it serves.
 */
class ModuleBoundariesTest {
  static final Path ROOT = Path.of("..");

  /** Import prefixes each module's main code must not use. */
  static final Map<String, List<String>> FORBIDDEN = Map.of(
      "riskgate-lang", List.of("io.riskgate.engine", "io.riskgate.server", "com.fasterxml", "io.helidon",
          "io.micrometer", "org.slf4j", "picocli", "java.net", "java.sql"),
      "riskgate-engine", List.of("io.riskgate.server", "io.helidon", "io.micrometer", "org.slf4j", "picocli",
          "org.codehaus", "org.snakeyaml", "java.nio.file", "java.net", "java.sql", "java.io.File", "org.rocksdb",
          "org.apache.kafka"),
      "riskgate-state", List.of("io.riskgate.lang", "io.riskgate.engine", "io.riskgate.server", "io.helidon", "io.micrometer",
          "org.slf4j", "picocli", "org.rocksdb", "java.nio.file", "java.net", "java.sql", "java.io.File"),
      "riskgate-adapter-rocksdb", List.of("io.riskgate.lang", "io.riskgate.engine", "io.riskgate.server", "io.helidon",
          "io.micrometer", "picocli", "java.sql", "java.net"),
      "riskgate-tags", List.of("io.riskgate.server", "io.helidon", "io.micrometer", "picocli", "org.codehaus"),
      "riskgate-adapter-postgres", List.of("io.riskgate.server", "io.helidon", "io.micrometer", "picocli"),
      "riskgate-adapter-redis", List.of("io.riskgate.server", "io.helidon", "io.micrometer", "picocli", "java.sql", "org.apache.kafka"),
      "riskgate-adapter-kafka", List.of("io.riskgate.server", "io.helidon", "io.micrometer", "picocli", "java.sql", "org.rocksdb",
          "io.lettuce", "org.postgresql"),
      "riskgate-server", List.of("org.codehaus", "com.google.re2j", "java.sql", "com.zaxxer", "org.flywaydb", "org.postgresql",
          "io.lettuce", "com.github.benmanes", "org.rocksdb", "org.apache.kafka"));

  @Test
  void shouldKeepEachModuleWithinItsBoundaries() throws IOException {
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, List<String>> module : FORBIDDEN.entrySet()) {
      Path src = ROOT.resolve(module.getKey()).resolve("src/main/java");
      assertThat(src).isDirectory();
      try (Stream<Path> files = Files.walk(src)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          for (String line : Files.readAllLines(f)) {
            if (!line.startsWith("import ")) {
              continue;
            }
            String imported = line.substring("import ".length()).replace("static ", "").strip();
            for (String prefix : module.getValue()) {
              if (imported.startsWith(prefix)) {
                violations.add(ROOT.relativize(f) + ": " + line.strip());
              }
            }
          }
        }
      }
    }
    assertThat(violations).as("imports across module boundaries").isEmpty();
  }

  /** Ruleset sources are read by SourceFiles; the compiler writes generated source only when asked (dump-dir). */
  @Test
  void shouldTouchFilesInTheLanguageOnlyToLoadSourcesOrDumpGeneratedCode() throws IOException {
    Path src = ROOT.resolve("riskgate-lang/src/main/java");
    List<String> readers = new ArrayList<>();
    try (Stream<Path> files = Files.walk(src)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        if (Files.readString(f).contains("java.nio.file.")) {
          readers.add(f.getFileName().toString());
        }
      }
    }
    assertThat(readers).containsExactlyInAnyOrder("SourceFiles.java", "JaninoRulesetCompiler.java");
  }
}
