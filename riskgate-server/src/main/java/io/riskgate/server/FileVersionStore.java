package io.riskgate.server;

import io.riskgate.engine.EngineException;
import io.riskgate.engine.VersionStore;
import io.riskgate.lang.SourceFile;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Keeps ruleset versions in the data folder: {@code rulesets/v000001/} holds {@code meta.properties}
 * and the source files, and {@code rulesets/ACTIVE} the active version number. Each version is
 * written to a temporary folder and moved into place, so a crash never leaves half a version.
 */
final class FileVersionStore implements VersionStore {
  private final Path root;

  FileVersionStore(Path dataDir) {
    this.root = dataDir.resolve("rulesets");
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new EngineException("cannot create " + root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized List<Stored> load() {
    List<Stored> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(p -> p.getFileName().toString().matches("v\\d{6,}")).sorted().toList()) {
        out.add(read(dir));
      }
    } catch (IOException e) {
      throw new EngineException("cannot read ruleset versions in " + root + ": " + e.getMessage(), e);
    }
    out.sort(Comparator.comparingInt(Stored::version));
    return out;
  }

  private static Stored read(Path dir) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(dir.resolve("meta.properties"), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    int count = Integer.parseInt(p.getProperty("files"));
    List<SourceFile> files = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = p.getProperty("file." + i + ".name");
      String text = Files.readString(dir.resolve(String.format("file-%03d.yaml", i)), StandardCharsets.UTF_8);
      files.add(new SourceFile(name, text));
    }
    return new Stored(
        Integer.parseInt(p.getProperty("version")),
        p.getProperty("ruleset"),
        Integer.parseInt(p.getProperty("rules")),
        p.getProperty("hash"),
        Instant.parse(p.getProperty("publishedAt")),
        p.getProperty("origin"),
        files);
  }

  @Override
  public synchronized void save(Stored v) {
    Path target = root.resolve(String.format("v%06d", v.version()));
    Path tmp = root.resolve(".tmp-" + v.version() + "-" + System.nanoTime());
    try {
      Files.createDirectories(tmp);
      Properties p = new Properties();
      p.setProperty("version", Integer.toString(v.version()));
      p.setProperty("ruleset", v.ruleset());
      p.setProperty("rules", Integer.toString(v.rules()));
      p.setProperty("hash", v.hash());
      p.setProperty("publishedAt", v.publishedAt().toString());
      p.setProperty("origin", v.origin());
      p.setProperty("files", Integer.toString(v.files().size()));
      for (int i = 0; i < v.files().size(); i++) {
        SourceFile f = v.files().get(i);
        p.setProperty("file." + i + ".name", f.name());
        Files.writeString(tmp.resolve(String.format("file-%03d.yaml", i)), f.text(), StandardCharsets.UTF_8);
      }
      try (Writer w = Files.newBufferedWriter(tmp.resolve("meta.properties"), StandardCharsets.UTF_8)) {
        p.store(w, "riskgate ruleset version");
      }
      try (java.util.stream.Stream<Path> written = Files.list(tmp)) {
        for (Path f : written.toList()) {
          fsync(f);
        }
      }
      fsync(tmp);
      move(tmp, target);
      fsync(root);
    } catch (IOException e) {
      throw new EngineException("cannot store ruleset version " + v.version() + " in " + root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized OptionalInt active() {
    Path f = root.resolve("ACTIVE");
    if (!Files.exists(f)) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of(Integer.parseInt(Files.readString(f, StandardCharsets.UTF_8).strip()));
    } catch (IOException | NumberFormatException e) {
      throw new EngineException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void setActive(int version) {
    Path tmp = root.resolve(".ACTIVE.tmp");
    try {
      Files.writeString(tmp, Integer.toString(version), StandardCharsets.UTF_8);
      fsync(tmp);
      move(tmp, root.resolve("ACTIVE"));
      fsync(root);
    } catch (IOException e) {
      throw new EngineException("cannot record the active version in " + root + ": " + e.getMessage(), e);
    }
  }

  /** Forces a file or a folder's entries to disk, so that a rename after it is durable. */
  private static void fsync(Path path) throws IOException {
    boolean dir = Files.isDirectory(path);
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path,
        dir ? java.nio.file.StandardOpenOption.READ : java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (IOException e) {
      if (!dir) {
        throw e;
      }
      // some file systems cannot sync a folder; the files themselves are synced
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
