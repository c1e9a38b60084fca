package io.riskgate.adapter.kafka;

/** Thrown when the Kafka pipeline cannot start or work: brokers unreachable, topics missing. */
public final class KafkaPipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KafkaPipelineException(String message) {
    super(message);
  }

  public KafkaPipelineException(String message, Throwable cause) {
    super(message, cause);
  }
}
