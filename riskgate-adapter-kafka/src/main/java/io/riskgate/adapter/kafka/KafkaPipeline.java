package io.riskgate.adapter.kafka;

import io.riskgate.engine.DecisionEngine;
import io.riskgate.state.StateLog;
import java.util.List;

/**
 * Kafka in, decisions out. Consumer threads read the input topic, decide each event with the
 * engine, and produce a decision record (keyed by the event's id) to the decisions topic, or a dead
 * letter for a message that cannot be decided. The records and the input offsets are committed in
 * one Kafka transaction, so a read-committed reader sees each event's output once.
 *
 * <p>After a crash, the events of the open transaction are read again. The engine's feature state
 * already holds them, and counts none twice. Their decisions come from a journal: each output is
 * written there before it is sent, so an event read again gets the very record it got before,
 * whatever else the engine has learnt since.
 *
 * <p>{@snippet :
 * KafkaPipeline kafka = KafkaPipeline.start(KafkaSettings.defaults("127.0.0.1:9092"), engine, journal);
 * // ...
 * kafka.close(); // finishes the batch in flight and commits it
 * }
 */
public interface KafkaPipeline extends AutoCloseable {

  /**
   * Creates missing topics (when the settings ask for it), waits until the engine has an active
   * ruleset, and starts the consumer threads.
   *
   * @param journal where outputs are kept until their transaction commits (it must survive the
   *     process, e.g. a memory-mapped file)
   * @throws KafkaPipelineException when the brokers cannot be reached or the topics are unusable
   */
  static KafkaPipeline start(KafkaSettings settings, DecisionEngine engine, StateLog journal) {
    return DefaultKafkaPipeline.start(settings, engine, journal);
  }

  /**
   * Sends pattern timeouts to the decisions topic, keyed by their id, with the header
   * {@code riskgate.kind: pattern_timeout}, and waits until the brokers have them.
   *
   * @throws KafkaPipelineException when they cannot be sent: the caller fires them again later
   */
  void publish(List<io.riskgate.engine.PatternTimeout> timeouts);

  /** Counters since start, for metrics. */
  Stats stats();

  /** Whether every consumer thread is running, and none keeps failing to commit. */
  boolean healthy();

  /**
   * Stops consuming, lets each thread finish and commit the batch it holds, and closes the clients.
   *
   * @return whether every thread has stopped (within 30 seconds each); if not, the journal and the
   *     engine are still in use
   */
  boolean shutdown();

  /** {@link #shutdown()}, for try-with-resources. */
  @Override
  default void close() {
    shutdown();
  }

  /**
   * @param consumed messages read from the input topic
   * @param decided decision records produced
   * @param deadLettered dead letters produced
   * @param fromJournal decisions sent again from the journal, for events read again after a crash or
   *     an aborted transaction
   * @param committed transactions committed
   * @param aborted transactions aborted (their events are read again)
   * @param lag messages of the assigned partitions after the offsets committed (refreshed every second)
   */
  record Stats(long consumed, long decided, long deadLettered, long fromJournal, long committed, long aborted, long lag) {}
}
