package io.riskgate.bench;

import io.riskgate.lang.Ruleset;
import io.riskgate.lang.RulesetCompiler;
import io.riskgate.lang.SourceFile;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory held by compiled rulesets, and whether their generated classes are unloaded.
 *
 * <p>Compiles the generated ruleset {@code kept} times keeping every result reachable and reports
 * heap and Metaspace per ruleset; then drops them, and compiles {@code reloads} more, dropping each
 * at once, and reports whether Metaspace comes back near its baseline (each ruleset's classes live
 * in their own class loader, so they should be unloaded).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.riskgate.bench.RulesetMemory [rules=500] [kept=20] [reloads=200]}
 */
public final class RulesetMemory {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();
  private static final MemoryPoolMXBean METASPACE = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getName().equals("Metaspace"))
      .findFirst()
      .orElseThrow(() -> new IllegalStateException("no Metaspace memory pool"));

  private RulesetMemory() {}

  public static void main(String[] args) throws InterruptedException {
    int rules = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int kept = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int reloads = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    List<SourceFile> files = RuleGenerator.generate(rules).files();
    RulesetCompiler compiler = RulesetCompiler.create();

    // warm up: load the compiler's own classes and let the JIT settle a little
    for (int i = 0; i < 3; i++) {
      compiler.compile(files).orThrow();
    }
    Snapshot base = Snapshot.take();

    List<Ruleset> live = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < kept; i++) {
      live.add(compiler.compile(files).orThrow());
    }
    long keptMs = (System.nanoTime() - t0) / 1_000_000;
    Snapshot full = Snapshot.take();
    if (live.size() != kept) {
      throw new IllegalStateException();
    }
    live.clear();
    Snapshot dropped = Snapshot.take();

    long peakMeta = 0;
    Snapshot half = null;
    t0 = System.nanoTime();
    for (int i = 0; i < reloads; i++) {
      Ruleset rs = compiler.compile(files).orThrow();
      if (rs.rules().size() != rules) {
        throw new IllegalStateException();
      }
      peakMeta = Math.max(peakMeta, METASPACE.getUsage().getUsed());
      if (i == reloads / 2 - 1) {
        long pause = System.nanoTime();
        half = Snapshot.take();
        t0 += System.nanoTime() - pause;
      }
    }
    long reloadMs = (System.nanoTime() - t0) / 1_000_000;
    Snapshot after = Snapshot.take();

    System.out.printf("RulesetMemory: %d rules, %d kept, %d reloads; %s%n", rules, kept, reloads, System.getProperty("java.vm.version"));
    System.out.printf("%-34s %12s %14s %12s %12s%n", "phase", "heap used", "metaspace used", "classes", "unloaded");
    row("baseline (after 3 warm-up compiles)", base);
    row("with " + kept + " rulesets reachable", full);
    row("after dropping them", dropped);
    if (half != null) {
      row("after " + reloads / 2 + " compile+drop", half);
    }
    row("after " + reloads + " compile+drop", after);
    System.out.println();
    System.out.printf("per kept ruleset: heap %.1f KiB, metaspace %.1f KiB, %.1f classes (%d ms per compile)%n",
        (full.heap - base.heap) / 1024.0 / kept,
        (full.meta - base.meta) / 1024.0 / kept,
        (double) (full.loaded - base.loaded) / kept,
        keptMs / Math.max(1, kept));
    long growth = after.meta - base.meta;
    System.out.printf("reload loop: metaspace peak %.1f MiB, after GC %+.1f KiB vs baseline (%.2f KiB per reload), "
            + "%d classes unloaded (%d ms per compile)%n",
        peakMeta / 1048576.0, growth / 1024.0, growth / 1024.0 / Math.max(1, reloads),
        after.unloaded - dropped.unloaded, reloadMs / Math.max(1, reloads));
    // A leak keeps one ruleset's classes (or their metadata) per reload. Allocator fragmentation
    // leaves a little behind and levels off. Require every generated class to be unloaded, the
    // loaded class count back at the baseline, and the second half of the loop to keep less than
    // a twentieth of a ruleset's metaspace per reload.
    double perRuleset = Math.max(1, (full.meta - base.meta) / (double) kept);
    long secondHalf = half == null ? growth : after.meta - half.meta;
    int secondHalfReloads = Math.max(1, reloads - reloads / 2);
    boolean ok = secondHalf / (double) secondHalfReloads < perRuleset / 20
        && after.unloaded - dropped.unloaded >= 2L * reloads
        && after.loaded - base.loaded <= 10;
    System.out.printf("second half of the loop: metaspace %+.1f KiB over %d reloads%n", secondHalf / 1024.0, reloads - reloads / 2);
    System.out.println(ok
        ? "OK: no metaspace growth across reloads (every generated class is unloaded)"
        : "LEAK? metaspace still grows in the second half of the reload loop");
  }

  private static void row(String phase, Snapshot s) {
    System.out.printf("%-34s %9.1f MiB %10.1f MiB %12d %12d%n",
        phase, s.heap / 1048576.0, s.meta / 1048576.0, s.loaded, s.unloaded);
  }

  private record Snapshot(long heap, long meta, long loaded, long unloaded) {
    static Snapshot take() throws InterruptedException {
      for (int i = 0; i < 4; i++) {
        System.gc();
        Thread.sleep(100);
      }
      return new Snapshot(
          MEMORY.getHeapMemoryUsage().getUsed(),
          METASPACE.getUsage().getUsed(),
          CLASSES.getLoadedClassCount(),
          CLASSES.getUnloadedClassCount());
    }
  }
}
