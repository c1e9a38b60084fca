package io.riskgate.tags;

/** A tag store failure: the store cannot be read or written. */
public class TagStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TagStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
