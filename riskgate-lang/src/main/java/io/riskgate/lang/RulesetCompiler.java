package io.riskgate.lang;

import java.util.List;
import java.util.Optional;

/**
 * Checks ruleset files and compiles them to JVM bytecode.
 *
 * <p>{@snippet :
 * RulesetCompiler compiler = RulesetCompiler.create();
 * RulesetCompiler.Result result = compiler.compile(SourceFiles.read(Path.of("rules")));
 * if (!result.ok()) {
 *   result.diagnostics().forEach(d -> System.err.println(d.render()));
 * }
 * }
 *
 * <p>Implementations are thread-safe.
 */
public interface RulesetCompiler {
  /** A compiler with default options: features may be referenced by rules. */
  static RulesetCompiler create() {
    return new JaninoRulesetCompiler(Options.defaults());
  }

  static RulesetCompiler create(Options options) {
    return new JaninoRulesetCompiler(options);
  }

  /**
   * Compiler options.
   *
   * @param featuresComputed whether the runtime computes features; when false, a rule that
   *     references a feature is refused at the place of the reference
   */
  record Options(boolean featuresComputed) {
    public static Options defaults() {
      return new Options(true);
    }
  }

  /** Checks and compiles; the result holds the ruleset when there is no error. */
  Result compile(List<SourceFile> files);

  /** Checks only, without generating code; returns every diagnostic. */
  List<Diagnostic> check(List<SourceFile> files);

  /**
   * The outcome of a compilation.
   *
   * @param ruleset the compiled ruleset, present when there was no error
   * @param diagnostics every problem found, errors and warnings, in file and line order
   * @param compileNanos time spent checking and generating code
   */
  record Result(Optional<Ruleset> ruleset, List<Diagnostic> diagnostics, long compileNanos) {
    public Result {
      diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
      return ruleset.isPresent();
    }

    /** The ruleset, or a {@link RulesetException} carrying the diagnostics. */
    public Ruleset orThrow() {
      return ruleset.orElseThrow(() -> new RulesetException(diagnostics));
    }
  }
}
