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

/** Time to check and compile a generated ruleset (YAML to loaded bytecode), in ms per compile. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class CompileBenchmark {
  @Param({"100", "500"})
  public int rules;

  private List<SourceFile> files;

  @Setup(Level.Trial)
  public void setup() {
    files = RuleGenerator.generate(rules).files();
    RulesetCompiler.create().compile(files).orThrow();
  }

  @Benchmark
  public RulesetCompiler.Result compile() {
    RulesetCompiler.Result r = RulesetCompiler.create().compile(files);
    if (!r.ok()) {
      throw new IllegalStateException("generated ruleset did not compile");
    }
    return r;
  }
}
