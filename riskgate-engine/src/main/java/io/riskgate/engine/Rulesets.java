package io.riskgate.engine;

import io.riskgate.lang.Diagnostic;
import io.riskgate.lang.Ruleset;
import io.riskgate.lang.SourceFile;
import java.util.List;
import java.util.Optional;

/**
 * The engine's ruleset versions: validate, publish, list and roll back. Publishing is atomic:
 * every decision sees one whole version, and a refused version leaves the active one in place.
 * Implementations are thread-safe.
 */
public interface Rulesets {
  /** Checks files without publishing; returns every diagnostic (empty when valid). */
  List<Diagnostic> validate(List<SourceFile> files);

  /**
   * Compiles and activates files as a new version.
   *
   * @param origin where the files come from, e.g. {@code api} or {@code file:rules/}
   * @throws io.riskgate.lang.RulesetException when the files have errors; nothing changes then
   */
  Published publish(List<SourceFile> files, String origin);

  /** Every version, oldest first. */
  List<RulesetVersion> versions();

  Optional<RulesetVersion> active();

  /** The active compiled ruleset. */
  Optional<Ruleset> activeRuleset();

  /** The active version and its compiled ruleset, read together. */
  Optional<Snapshot> snapshot();

  /**
   * The active version with its compiled ruleset.
   *
   * @param version the version
   * @param ruleset its compiled ruleset
   */
  record Snapshot(RulesetVersion version, Ruleset ruleset) {}

  /**
   * Makes an earlier version active again.
   *
   * @throws UnknownVersionException when there is no such version
   * @throws io.riskgate.lang.RulesetException when the stored version no longer compiles
   */
  RulesetVersion rollback(int version);

  /**
   * The outcome of a publish.
   *
   * @param version the active version after the publish
   * @param changed false when the files equal the active version's, so nothing was published
   * @param warnings non-fatal diagnostics
   */
  record Published(RulesetVersion version, boolean changed, List<Diagnostic> warnings) {
    public Published {
      warnings = List.copyOf(warnings);
    }
  }

  /** Thrown for a version number that does not exist. */
  final class UnknownVersionException extends EngineException {
    private static final long serialVersionUID = 1L;

    public UnknownVersionException(int version) {
      super("no ruleset version " + version);
    }
  }
}
