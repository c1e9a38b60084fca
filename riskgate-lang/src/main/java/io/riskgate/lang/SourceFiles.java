package io.riskgate.lang;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads ruleset files: one YAML file, or every {@code .yaml}/{@code .yml} file of a folder tree. */
public final class SourceFiles {
  private SourceFiles() {}

  /** SHA-256 of the files' names and texts, in hex: the {@link Ruleset#contentHash()} of a compilation. */
  public static String hash(List<SourceFile> files) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      for (SourceFile f : files) {
        md.update(f.name().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(f.text().getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a file or a folder, in path order. Names in diagnostics are the paths as given.
   *
   * @throws UncheckedIOException when a file cannot be read or is not UTF-8
   */
  public static List<SourceFile> read(Path path) {
    try {
      List<Path> files = new ArrayList<>();
      if (Files.isDirectory(path)) {
        try (Stream<Path> s = Files.walk(path, 8)) {
          s.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .forEach(files::add);
        }
      } else {
        files.add(path);
      }
      List<SourceFile> out = new ArrayList<>();
      for (Path p : files) {
        byte[] bytes = Files.readAllBytes(p);
        String text;
        try {
          text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
          throw new UncheckedIOException(p + " is not valid UTF-8", e);
        }
        out.add(new SourceFile(p.toString(), text));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
