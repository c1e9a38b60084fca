package io.riskgate.engine;

/**
 * Thrown when an event cannot be decided because the input is wrong: malformed JSON, a wrong type,
 * a missing required field, an unknown event type. The message names the place ({@code $.amount}).
 */
public class InvalidEventException extends EngineException {
  private static final long serialVersionUID = 1L;
  private final String path;
  private final String reason;
  private final String problem;

  public InvalidEventException(String path, String reason, String problem) {
    super(path + ": " + problem);
    this.path = path;
    this.reason = reason;
    this.problem = problem;
  }

  /** JSON path of the faulty value, e.g. {@code $.amount} or {@code $.events[3].amount}. */
  public String path() {
    return path;
  }

  /**
   * A short, stable code for the kind of problem: {@code malformed_json}, {@code wrong_type},
   * {@code missing_field}, {@code unknown_event_type}, {@code too_large} (a batch over its size),
   * {@code limit_exceeded} (nesting, number or string length limits), {@code invalid_value}.
   */
  public String reason() {
    return reason;
  }

  /** The problem without the path. */
  public String problem() {
    return problem;
  }

  /** The same problem, with its path placed under a parent path such as {@code $.events[2]}. */
  public InvalidEventException under(String parent) {
    return new InvalidEventException(parent + path.substring(1), reason, problem);
  }
}
