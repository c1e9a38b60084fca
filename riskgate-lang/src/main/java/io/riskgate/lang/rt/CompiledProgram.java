package io.riskgate.lang.rt;

import io.riskgate.lang.Env;
import io.riskgate.lang.EventData;
import io.riskgate.lang.Evaluation;

/**
 * The base of generated programs: one class per ruleset version, immutable and shared by all
 * threads. Public only so that generated code can extend it; it is not an API.
 */
public abstract class CompiledProgram {
  /** Evaluates every rule that applies to the event's type and channel. */
  public abstract Evaluation evaluate(EventData event, Env env);
}
