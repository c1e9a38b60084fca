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
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread: poll, decide, produce, and commit the offsets with the outputs in one
 * transaction, at most every commit interval. On an error the transaction is aborted and its
 * events are read again (their outputs come back from the journal).
 */
final class Worker implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
  private static final Duration IDLE_POLL = Duration.ofMillis(100);

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
  private volatile long lag;
  private long lagUpdated = System.nanoTime() - 1_000_000_000L;

  /** Next offset to commit, per partition, for the events of the open transaction. */
  private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
  /** Where to go back to, per partition, when the open transaction is aborted. */
  private final Map<TopicPartition, Long> rewind = new HashMap<>();
  private boolean inTransaction;
  private long transactionStarted;

  Worker(int index, KafkaSettings settings, DecisionEngine engine, OutputJournal journal, Counters counters,
      Consumer<byte[], byte[]> consumer, Supplier<Producer<byte[], byte[]>> producers) {
    this.index = index;
    this.settings = settings;
    this.engine = engine;
    this.journal = journal;
    this.counters = counters;
    this.consumer = consumer;
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
      producer = producers.get();
      producer.initTransactions();
      consumer.subscribe(List.of(settings.inputTopic()), new Rebalance());
      LOG.info("event=kafka_consumer_started thread={} topic={} group={}", index, settings.inputTopic(), settings.groupId());
      while (running) {
        try {
          step();
        } catch (WakeupException e) {
          break;
        } catch (ProducerFencedException | FencedInstanceIdException | AuthenticationException | AuthorizationException
            | UnsupportedVersionException e) {
          throw e;
        } catch (KafkaException | InvalidStateForRetry e) {
          recover(e);
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

  /** One poll and what it brings; commits when the transaction is old enough. */
  private void step() {
    long wait = inTransaction
        ? Math.max(0, transactionStarted + settings.commitInterval().toNanos() - System.nanoTime()) / 1_000_000
        : IDLE_POLL.toMillis();
    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(wait));
    if (!records.isEmpty()) {
      if (!inTransaction) {
        producer.beginTransaction();
        inTransaction = true;
        transactionStarted = System.nanoTime();
      }
      for (TopicPartition tp : records.partitions()) {
        rewind.putIfAbsent(tp, records.records(tp).get(0).offset());
      }
      for (ConsumerRecord<byte[], byte[]> r : records) {
        counters.consumed.increment();
        handle(r);
        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      }
    }
    updateLag();
    if (inTransaction && System.nanoTime() - transactionStarted >= settings.commitInterval().toNanos()) {
      commit();
    }
  }

  private void handle(ConsumerRecord<byte[], byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    Optional<OutputJournal.Output> kept = journal.lookup(tp, r.offset());
    if (kept.isPresent()) {
      // read again: the decision it got before, whatever the state has learnt since
      journal.record(tp, r.offset(), kept.get());
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
      throw new InvalidStateForRetry("no ruleset is active");
    } catch (RuntimeException e) {
      LOG.error("event=kafka_decide_failed topic={} partition={} offset={} error=\"{}\"", r.topic(), r.partition(), r.offset(), e.toString(), e);
      deadLetter(r, "engine_error", e.toString());
      return;
    }
    OutputJournal.Output out = new OutputJournal.Output(d.eventId().getBytes(StandardCharsets.UTF_8), DecisionJson.toJson(d));
    journal.record(tp, r.offset(), out);
    producer.send(OutputRecords.decision(settings.decisionsTopic(), r, out.key(), out.value()));
    counters.decided.increment();
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, String reason, String error) {
    producer.send(OutputRecords.deadLetter(settings.deadLetterTopic(), r, reason, error, settings.maxEventBytes()));
    counters.deadLettered.increment();
    LOG.debug("event=kafka_dead_letter topic={} partition={} offset={} reason={}", r.topic(), r.partition(), r.offset(), reason);
  }

  private void commit() {
    if (!offsets.isEmpty()) {
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    }
    producer.commitTransaction();
    inTransaction = false;
    counters.committed.increment();
    Map<TopicPartition, Long> next = new HashMap<>();
    offsets.forEach((tp, o) -> next.put(tp, o.offset()));
    offsets.clear();
    rewind.clear();
    journal.committed(next, System.currentTimeMillis());
  }

  /** Aborts the open transaction and goes back to its first events; a new producer if need be. */
  private void recover(RuntimeException cause) {
    LOG.warn("event=kafka_transaction_aborted thread={} error=\"{}\"", index, cause.toString());
    if (inTransaction) {
      try {
        producer.abortTransaction();
      } catch (KafkaException e) {
        // the producer is unusable: a new one (its initTransactions aborts what this one left open)
        producer.close(Duration.ZERO);
        producer = producers.get();
        producer.initTransactions();
      }
      inTransaction = false;
      counters.aborted.increment();
    }
    Collection<TopicPartition> owned = consumer.assignment();
    rewind.forEach((tp, offset) -> {
      if (owned.contains(tp)) {
        consumer.seek(tp, offset);
      }
    });
    rewind.clear();
    offsets.clear();
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  private void updateLag() {
    long now = System.nanoTime();
    if (now - lagUpdated < 1_000_000_000L) {
      return;
    }
    lagUpdated = now;
    long sum = 0;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong l = consumer.currentLag(tp);
      if (l.isPresent()) {
        sum += l.getAsLong();
      }
    }
    lag = sum;
  }

  long lag() {
    return lag;
  }

  boolean failed() {
    return failed;
  }

  /** Asks the thread to finish its batch and stop. */
  void stop() {
    running = false;
    consumer.wakeup();
  }

  private void closeQuietly() {
    try {
      consumer.close(Duration.ofSeconds(5));
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

  /** A state where the batch must be read again later (no ruleset yet). */
  static final class InvalidStateForRetry extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvalidStateForRetry(String message) {
      super(message);
    }
  }

  /** Commits before partitions leave; an abort when they were lost. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (inTransaction && !partitions.isEmpty()) {
        commit();
      }
      journal.orphan(partitions, System.currentTimeMillis());
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (inTransaction) {
        try {
          producer.abortTransaction();
        } catch (KafkaException e) {
          LOG.warn("event=kafka_abort_failed thread={} error=\"{}\"", index, e.toString());
        }
        inTransaction = false;
        counters.aborted.increment();
        Collection<TopicPartition> owned = consumer.assignment();
        rewind.forEach((tp, offset) -> {
          if (owned.contains(tp) && !partitions.contains(tp)) {
            consumer.seek(tp, offset);
          }
        });
        rewind.clear();
        offsets.clear();
      }
      journal.orphan(partitions, System.currentTimeMillis());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      LOG.info("event=kafka_partitions_assigned thread={} partitions={}", index, partitions);
    }
  }
}
