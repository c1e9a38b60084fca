package io.riskgate.adapter.kafka;

import io.riskgate.engine.Decision;
import io.riskgate.engine.DecisionEngine;
import io.riskgate.engine.DecisionJson;
import io.riskgate.engine.InvalidEventException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread: poll, decide, produce, and commit the offsets with the outputs in one
 * transaction, as soon as the consumer holds no more messages, or once the transaction is a commit
 * interval old. On an error the transaction is aborted and the
 * thread goes back to the committed offsets: the events are read again, and their outputs come back
 * from the journal.
 */
final class Worker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(100);
  /** Failures of the engine on one message before it is dead-lettered as {@code engine_error}. */
  static final int ENGINE_ATTEMPTS = 3;
  /** Transactions aborted in a row before the thread reports itself unhealthy (it keeps trying). */
  static final int UNHEALTHY_AFTER = 5;

  private final int index;
  private final KafkaSettings settings;
  private final DecisionEngine engine;
  private final OutputJournal journal;
  private final Counters counters;
  private final Consumer<byte[], byte[]> consumer;
  private final Supplier<Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;
  private volatile boolean running = true;
  private volatile boolean failed;
  private volatile int abortsInARow;
  private volatile long lag;
  private long lagUpdated = System.nanoTime() - 1_000_000_000L;

  /** Next offset to commit, per partition, for the events of the open transaction. */
  private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
  /** The offset this thread last committed, per partition. */
  private final Map<TopicPartition, Long> committedNext = new HashMap<>();
  /** Where to go back to, per partition, when nothing is committed there yet. */
  private final Map<TopicPartition, Long> rewind = new HashMap<>();
  /** The message the engine failed on, and how many times. */
  private TopicPartition failingPartition;
  private long failingOffset = -1;
  private int failingAttempts;
  private boolean inTransaction;
  private long transactionStarted;
  /** Set when a transaction was aborted: the next step first seeks back to the committed offsets. */
  private boolean rewindPending;

  /**
   * @param producer a producer whose transactions are initialised
   * @param producers makes another one when this one becomes unusable
   */
  Worker(int index, KafkaSettings settings, DecisionEngine engine, OutputJournal journal, Counters counters,
      Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Supplier<Producer<byte[], byte[]>> producers) {
    this.index = index;
    this.settings = settings;
    this.engine = engine;
    this.journal = journal;
    this.counters = counters;
    this.consumer = consumer;
    this.producer = producer;
    this.producers = producers;
  }

  /** Counters shared by the threads of a pipeline. */
  static final class Counters {
    final LongAdder consumed = new LongAdder();
    final LongAdder decided = new LongAdder();
    final LongAdder deadLettered = new LongAdder();
    final LongAdder fromJournal = new LongAdder();
    final LongAdder committed = new LongAdder();
    final LongAdder aborted = new LongAdder();
  }

  @Override
  public void run() {
    try {
      while (running && !engine.ready()) {
        Thread.sleep(100);
      }
      consumer.subscribe(List.of(settings.inputTopic()), new Rebalance());
      LOG.info("event=kafka_consumer_started thread={} topic={} group={}", index, settings.inputTopic(), settings.groupId());
      while (running) {
        try {
          step();
        } catch (WakeupException e) {
          break;
        } catch (RuntimeException e) {
          if (fatal(e)) {
            throw e;
          }
          try {
            recover(e);
          } catch (RuntimeException again) {
            if (fatal(again)) {
              throw again;
            }
            // the rewind stays pending: nothing is read before the thread is back at its offsets
            LOG.warn("event=kafka_recovery_failed thread={} error=\"{}\"", index, again.toString());
          }
        }
      }
      if (inTransaction) {
        commit();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      failed = true;
      LOG.error("event=kafka_consumer_failed thread={} error=\"{}\"", index, e.toString(), e);
    } finally {
      closeQuietly();
      LOG.info("event=kafka_consumer_stopped thread={}", index);
    }
  }

  /**
   * Errors after which this thread must stop: another process owns its transactional or group
   * instance id, the brokers refuse it, or the configuration is wrong.
   */
  static boolean fatal(Throwable e) {
    return e instanceof ProducerFencedException || e instanceof FencedInstanceIdException
        || e instanceof AuthenticationException || e instanceof AuthorizationException
        || e instanceof UnsupportedVersionException || e instanceof InvalidConfigurationException;
  }

  /** One poll and what it brings; commits when the transaction is old enough. */
  private void step() {
    if (rewindPending) {
      goBack(consumer.assignment());
      rewindPending = false;
    }
    // in a transaction, only what the consumer already holds: when it holds nothing, the thread has
    // caught up and commits now rather than at the end of the interval (the commit's own time then
    // gathers the next batch)
    ConsumerRecords<byte[], byte[]> records = consumer.poll(inTransaction ? Duration.ZERO : IDLE_POLL);
    if (!records.isEmpty()) {
      for (TopicPartition tp : records.partitions()) {
        rewind.putIfAbsent(tp, records.records(tp).get(0).offset());
      }
      if (!inTransaction) {
        producer.beginTransaction();
        inTransaction = true;
        transactionStarted = System.nanoTime();
      }
      for (TopicPartition tp : records.partitions()) {
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
          counters.consumed.increment();
          handle(tp, r);
          offsets.put(tp, new OffsetAndMetadata(r.offset() + 1));
        }
      }
    }
    updateLag();
    if (inTransaction && (records.isEmpty() || System.nanoTime() - transactionStarted >= settings.commitInterval().toNanos())) {
      commit();
    }
  }

  private void handle(TopicPartition tp, ConsumerRecord<byte[], byte[]> r) {
    long fingerprint = OutputJournal.fingerprint(r.value());
    Optional<OutputJournal.Output> kept = journal.lookup(tp, r.offset(), fingerprint);
    if (kept.isPresent()) {
      // read again: the decision it got before, whatever the state has learnt since
      journal.record(tp, r.offset(), fingerprint, kept.get());
      producer.send(OutputRecords.decision(settings.decisionsTopic(), r, kept.get().key(), kept.get().value()));
      counters.fromJournal.increment();
      counters.decided.increment();
      return;
    }
    byte[] value = r.value();
    if (value == null || value.length == 0) {
      deadLetter(r, "empty", "the message has no value");
      return;
    }
    if (value.length > settings.maxEventBytes()) {
      deadLetter(r, "too_large", "the message has " + value.length + " bytes, more than the limit of "
          + settings.maxEventBytes() + " (kafka.max-event-bytes)");
      return;
    }
    Decision d;
    try {
      d = engine.decide(value, settings.explain());
    } catch (InvalidEventException e) {
      deadLetter(r, e.reason(), e.getMessage());
      return;
    } catch (DecisionEngine.NoActiveRulesetException e) {
      throw new Retry("no ruleset is active", e);
    } catch (RuntimeException e) {
      if (!tp.equals(failingPartition) || r.offset() != failingOffset) {
        failingPartition = tp;
        failingOffset = r.offset();
        failingAttempts = 0;
      }
      failingAttempts++;
      LOG.error("event=kafka_decide_failed topic={} partition={} offset={} attempt={} error=\"{}\"", r.topic(), r.partition(),
          r.offset(), failingAttempts, e.toString(), e);
      if (failingAttempts < ENGINE_ATTEMPTS) {
        throw new Retry("the engine failed on " + r.topic() + "/" + r.partition() + "@" + r.offset(), e);
      }
      // the same message, every time: it must not hold its partition back for ever
      deadLetter(r, "engine_error", e.toString());
      return;
    }
    OutputJournal.Output out = new OutputJournal.Output(d.eventId().getBytes(StandardCharsets.UTF_8), DecisionJson.toJson(d));
    journal.record(tp, r.offset(), fingerprint, out);
    producer.send(OutputRecords.decision(settings.decisionsTopic(), r, out.key(), out.value()));
    counters.decided.increment();
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason, String error) {
    producer.send(OutputRecords.deadLetter(settings.deadLetterTopic(), r, reason, error, settings.maxEventBytes()));
    counters.deadLettered.increment();
    LOG.debug("event=kafka_dead_letter topic={} partition={} offset={} reason={}", r.topic(), r.partition(), r.offset(), reason);
  }

  /**
   * Commits the open transaction. A commit that timed out is retried (an abort is not allowed
   * then, and the commit may well have been written).
   */
  private void commit() {
    if (!offsets.isEmpty()) {
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    }
    for (int attempt = 1; ; attempt++) {
      try {
        producer.commitTransaction();
        break;
      } catch (TimeoutException e) {
        LOG.warn("event=kafka_commit_timed_out thread={} attempt={} error=\"{}\"", index, attempt, e.getMessage());
        if (attempt >= 10) {
          throw e;
        }
      }
    }
    inTransaction = false;
    abortsInARow = 0;
    counters.committed.increment();
    Map<TopicPartition, Long> next = new HashMap<>();
    offsets.forEach((tp, o) -> next.put(tp, o.offset()));
    committedNext.putAll(next);
    offsets.clear();
    rewind.clear();
    journal.committed(next);
  }

  /**
   * Aborts the open transaction (or replaces a producer that cannot abort) and goes back to the
   * committed offsets, after a pause that grows with the failures in a row.
   */
  private void recover(RuntimeException cause) {
    int failures = ++abortsInARow;
    LOG.warn("event=kafka_transaction_aborted thread={} failures_in_a_row={} error=\"{}\"", index, failures, cause.toString());
    rewindPending = true;
    abortOrReplace(!(cause instanceof Retry));
    try {
      Thread.sleep(Math.min(5000, 100L << Math.min(6, failures)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /**
   * @param replaceIfIdle whether to replace the producer even when no transaction is open (the
   *     error may have left it unusable)
   */
  private void abortOrReplace(boolean replaceIfIdle) {
    boolean replace = replaceIfIdle;
    if (inTransaction) {
      counters.aborted.increment();
      inTransaction = false;
      try {
        producer.abortTransaction();
        return;
      } catch (RuntimeException e) {
        if (fatal(e)) {
          throw e;
        }
        LOG.warn("event=kafka_abort_failed thread={} error=\"{}\"", index, e.toString());
        replace = true;
      }
    }
    if (!replace) {
      return;
    }
    // unusable: a new producer, whose initTransactions finishes or aborts what this one left open
    producer.close(Duration.ZERO);
    producer = null;
    while (running) {
      try {
        producer = producers.get();
        return;
      } catch (RuntimeException e) {
        if (fatal(e)) {
          throw e;
        }
        LOG.warn("event=kafka_producer_init_failed thread={} error=\"{}\"", index, e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          running = false;
        }
      }
    }
  }

  /**
   * Seeks the partitions to their committed offsets: what the broker holds, not what this thread
   * believes, since a replaced producer may have completed a commit this thread saw fail.
   */
  private void goBack(Collection<TopicPartition> partitions) {
    if (!partitions.isEmpty()) {
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata c = committed.get(tp);
        Long first = rewind.get(tp);
        if (c != null) {
          consumer.seek(tp, c.offset());
          committedNext.put(tp, c.offset());
        } else if (first != null) {
          consumer.seek(tp, first);
        }
      }
    }
    rewind.clear();
    offsets.clear();
  }

  private void updateLag() {
    long now = System.nanoTime();
    if (now - lagUpdated < 1_000_000_000L) {
      return;
    }
    lagUpdated = now;
    // as the group's lag: the partition's end less the offset committed, so that messages fetched
    // and not yet decided or committed count
    long sum = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        long position = consumer.position(tp);
        Long done = committedNext.get(tp);
        long from = done != null ? done : rewind.getOrDefault(tp, position);
        sum += Math.max(0, position + l.getAsLong() - from);
      }
    }
    lag = sum;
  }

  long lag() {
    return lag;
  }

  /** Whether the thread has stopped on an error, or keeps failing to commit. */
  boolean failed() {
    return failed || abortsInARow >= UNHEALTHY_AFTER;
  }

  /** Asks the thread to finish its batch and stop. */
  void stop() {
    running = false;
    consumer.wakeup();
  }

  private void closeQuietly() {
    try {
      // leave the group: a process that stops gives its partitions to the others at once
      consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(5)));
    } catch (RuntimeException e) {
      LOG.debug("event=kafka_consumer_close_failed error=\"{}\"", e.toString());
    }
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        LOG.debug("event=kafka_producer_close_failed error=\"{}\"", e.toString());
      }
    }
  }

  /** The batch must be read again later (no ruleset yet, or the engine failed). */
  static final class Retry extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Retry(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Commits before partitions leave; an abort when they were lost. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (inTransaction && !partitions.isEmpty()) {
        commit();
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      abortOrReplace(false);
      rewindPending = true;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("event=kafka_partitions_assigned thread={} partitions={}", index, partitions);
    }
  }
}
