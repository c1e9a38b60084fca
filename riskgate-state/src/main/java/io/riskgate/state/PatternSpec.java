package io.riskgate.state;

import java.util.List;

/**
 * A sequence pattern over the events of one key: steps in order, each matched by one bit of an
 * event's predicate mask (the engine sets bit {@code p} when the event satisfies the step's event
 * type and condition), all within {@code withinMillis} of event time.
 *
 * <p>A positive step takes between {@code min} and {@code max} events ({@code max} may be
 * {@link #UNBOUNDED}; {@code min} 0 makes the step optional). A strict step's events must each come
 * right after the match's previous event, with no other event of the key between them; a relaxed
 * one's may have other events between. An absent step says that no event matching it may come
 * between the events around it: first, before the match, within the window; between two positive
 * steps, between their events; last, after the match until the deadline (the first event's time plus
 * the window). A pattern has at least one positive step of {@code min} 1 or more, and not both a
 * first and a last absent step.
 *
 * @param steps the steps, in order
 * @param withinMillis the longest time from a match's first event to its end (its last event, or
 *     its deadline when it ends with an absent step)
 */
public record PatternSpec(List<Step> steps, long withinMillis) {
  /** {@code max} of a step with no upper bound. */
  public static final int UNBOUNDED = Integer.MAX_VALUE;

  /**
   * @param predicate the bit of the event mask this step matches, 0 to 63
   * @param min the fewest events the step takes (positive steps)
   * @param max the most events the step takes, or {@link #UNBOUNDED}
   * @param strict whether each event of the step must come right after the match's previous one
   * @param absent whether this is an absent step (no event matching it may come in its place)
   */
  public record Step(int predicate, int min, int max, boolean strict, boolean absent) {
    public Step {
      if (predicate < 0 || predicate > 63) {
        throw new IllegalArgumentException("a step's predicate is a bit from 0 to 63");
      }
      if (!absent && (min < 0 || max < 1 || min > max)) {
        throw new IllegalArgumentException("a step takes from min >= 0 to max >= max(min, 1) events");
      }
    }

    /** A step of exactly {@code n} events. */
    public static Step times(int predicate, int n, boolean strict) {
      return new Step(predicate, n, n, strict, false);
    }

    /** An absent step. */
    public static Step absent(int predicate) {
      return new Step(predicate, 0, 0, false, true);
    }
  }

  public PatternSpec {
    steps = List.copyOf(steps);
    if (withinMillis <= 0) {
      throw new IllegalArgumentException("a pattern's window must be positive");
    }
    if (steps.stream().noneMatch(s -> !s.absent() && s.min() >= 1)) {
      throw new IllegalArgumentException("a pattern needs a step that takes at least one event");
    }
    if (steps.get(0).absent() && steps.get(steps.size() - 1).absent()) {
      throw new IllegalArgumentException("a pattern cannot both start and end with an absent step");
    }
  }

  /** Whether the pattern ends with an absent step: it then ends at a deadline, not at an event. */
  public boolean endsWithAbsence() {
    return steps.get(steps.size() - 1).absent();
  }
}
