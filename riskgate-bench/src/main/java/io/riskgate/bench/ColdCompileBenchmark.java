package io.riskgate.bench;

import io.riskgate.lang.RulesetCompiler;
import io.riskgate.lang.SourceFile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first compilation in a fresh JVM, as at server start: nothing of the compiler is loaded or
 * JIT-compiled yet. Each fork measures one compilation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = "-Xmx1g")
public class ColdCompileBenchmark {
  @Param({"500"})
  public int rules;

  private List<SourceFile> files;

  @Setup(Level.Trial)
  public void setup() {
    files = RuleGenerator.generate(rules).files();
  }

  @Benchmark
  public RulesetCompiler.Result firstCompile() {
    RulesetCompiler.Result r = RulesetCompiler.create().compile(files);
    if (!r.ok()) {
      throw new IllegalStateException("generated ruleset did not compile");
    }
    return r;
  }
}
