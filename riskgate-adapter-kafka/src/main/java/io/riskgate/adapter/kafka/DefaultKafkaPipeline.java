package io.riskgate.adapter.kafka;

import io.riskgate.engine.DecisionEngine;
import io.riskgate.state.StateLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The consumer threads of one process, their journal and their counters. */
final class DefaultKafkaPipeline implements KafkaPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultKafkaPipeline.class);
  /** How long an output stays in the journal at most, when its offset does not commit. */
  static final long JOURNAL_MAX_AGE_MILLIS = TimeUnit.MINUTES.toMillis(10);

  private final List<Worker> workers;
  private final List<Thread> threads;
  private final Worker.Counters counters;
  private final KafkaSettings settings;
  /** Pattern timeouts go to the decisions topic outside the workers' transactions. */
  private final Producer<byte[], byte[]> timeouts;
  private final java.util.concurrent.atomic.LongAdder timeoutsSent = new java.util.concurrent.atomic.LongAdder();

  private DefaultKafkaPipeline(KafkaSettings settings, List<Worker> workers, List<Thread> threads, Worker.Counters counters,
      Producer<byte[], byte[]> timeouts) {
    this.settings = settings;
    this.timeouts = timeouts;
    this.workers = workers;
    this.threads = threads;
    this.counters = counters;
  }

  static KafkaPipeline start(KafkaSettings s, DecisionEngine engine, StateLog log) {
    ensureTopics(s);
    OutputJournal journal = OutputJournal.recover(log, JOURNAL_MAX_AGE_MILLIS, System::currentTimeMillis);
    if (journal.size() > 0) {
      LOG.info("event=kafka_journal_recovered outputs={}", journal.size());
    }
    Worker.Counters counters = new Worker.Counters();
    List<Worker> workers = new ArrayList<>();
    List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    List<Producer<byte[], byte[]>> producers = new ArrayList<>();
    Producer<byte[], byte[]> timeouts = null;
    try {
      timeouts = new KafkaProducer<>(timeoutProducerConfig(s));
      // every client is made, and every producer's transactions initialised, before any thread
      // starts: a wrong setting or an unreachable coordinator fails the start, not a thread later
      for (int i = 0; i < s.consumers(); i++) {
        int index = i;
        consumers.add(new KafkaConsumer<>(consumerConfig(s, index)));
        producers.add(transactionalProducer(s, index));
        workers.add(new Worker(index, s, engine, journal, counters, consumers.get(i), producers.get(i),
            () -> transactionalProducer(s, index)));
      }
    } catch (RuntimeException e) {
      consumers.forEach(c -> c.close(Duration.ZERO));
      producers.forEach(p -> p.close(Duration.ZERO));
      if (timeouts != null) {
        timeouts.close(Duration.ZERO);
      }
      throw new KafkaPipelineException("kafka: cannot start the clients: " + e.getMessage(), e);
    }
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      threads.add(Thread.ofPlatform().name("riskgate-kafka-" + i).start(workers.get(i)));
    }
    return new DefaultKafkaPipeline(s, workers, threads, counters, timeouts);
  }

  /** A producer whose transactions are initialised (which aborts or completes what its id left open). */
  static Producer<byte[], byte[]> transactionalProducer(KafkaSettings s, int index) {
    KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerConfig(s, index));
    try {
      p.initTransactions();
      return p;
    } catch (RuntimeException e) {
      p.close(Duration.ZERO);
      throw e;
    }
  }

  static Map<String, Object> common(KafkaSettings s) {
    Map<String, Object> c = new HashMap<>(s.clientProperties());
    c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
    return c;
  }

  static Map<String, Object> consumerConfig(KafkaSettings s, int index) {
    Map<String, Object> c = common(s);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, s.groupId());
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, s.transactionalId() + "-consumer-" + index);
    // static membership: a restarted process takes its partitions back at once, without waiting for
    // the group to time its previous consumers out
    c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, s.transactionalId() + "-" + index);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, s.autoOffsetReset());
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return c;
  }

  /** The producer of pattern timeouts: idempotent, not transactional (they come from timers, not from input messages). */
  static Map<String, Object> timeoutProducerConfig(KafkaSettings s) {
    Map<String, Object> c = common(s);
    c.put(ProducerConfig.CLIENT_ID_CONFIG, s.transactionalId() + "-timeouts");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return c;
  }

  @Override
  public void publish(List<io.riskgate.engine.PatternTimeout> list) {
    List<java.util.concurrent.Future<?>> sent = new ArrayList<>(list.size());
    try {
      for (io.riskgate.engine.PatternTimeout t : list) {
        var record = new org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>(settings.decisionsTopic(),
            t.id().getBytes(java.nio.charset.StandardCharsets.UTF_8), io.riskgate.engine.DecisionJson.toJson(t));
        record.headers().add("riskgate.kind", "pattern_timeout".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sent.add(timeouts.send(record));
      }
      timeouts.flush();
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
      timeoutsSent.add(list.size());
    } catch (ExecutionException e) {
      throw new KafkaPipelineException("kafka: cannot send pattern timeouts: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException | RuntimeException e) {
      throw new KafkaPipelineException("kafka: cannot send pattern timeouts: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaPipelineException("kafka: interrupted while sending pattern timeouts", e);
    }
  }

  static Map<String, Object> producerConfig(KafkaSettings s, int index) {
    Map<String, Object> c = common(s);
    c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, s.transactionalId() + "-" + index);
    c.put(ProducerConfig.CLIENT_ID_CONFIG, s.transactionalId() + "-producer-" + index);
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
    c.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
    // a dead letter carries the message, cut to the event size limit and 768 KiB
    c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return c;
  }

  /**
   * Creates the missing topics when the settings ask for it, else requires them; then waits until
   * every partition has a leader (a producer writing to a topic created a moment ago can lose its
   * first batch otherwise).
   */
  static void ensureTopics(KafkaSettings s) {
    Map<String, Object> c = common(s);
    c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    List<String> topics = List.of(s.inputTopic(), s.decisionsTopic(), s.deadLetterTopic());
    try (Admin admin = Admin.create(c)) {
      Set<String> existing = admin.listTopics().names().get(20, TimeUnit.SECONDS);
      List<NewTopic> missing = topics.stream().distinct().filter(t -> !existing.contains(t))
          .map(t -> new NewTopic(t, Optional.of(s.partitions()),
              s.replicationFactor() == 0 ? Optional.<Short>empty() : Optional.of(s.replicationFactor())))
          .toList();
      if (!missing.isEmpty()) {
        if (!s.createTopics()) {
          throw new KafkaPipelineException("kafka: missing topics " + missing.stream().map(NewTopic::name).toList()
              + " on " + s.bootstrapServers() + " (create them, or set kafka.create-topics)");
        }
        try {
          admin.createTopics(missing).all().get(20, TimeUnit.SECONDS);
          LOG.info("event=kafka_topics_created topics={} partitions={}", missing.stream().map(NewTopic::name).toList(), s.partitions());
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(20, TimeUnit.SECONDS);
        boolean led = d.values().stream().allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (led) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new KafkaPipelineException("kafka: topics " + topics + " have partitions without a leader");
        }
        Thread.sleep(100);
      }
    } catch (ExecutionException e) {
      throw new KafkaPipelineException("kafka: " + s.bootstrapServers() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaPipelineException("kafka: no answer from " + s.bootstrapServers() + " within 20 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaPipelineException("kafka: interrupted while checking topics", e);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new KafkaPipelineException("kafka: " + e.getMessage(), e);
    }
  }

  @Override
  public Stats stats() {
    long lag = 0;
    for (Worker w : workers) {
      lag += w.lag();
    }
    return new Stats(counters.consumed.sum(), counters.decided.sum(), counters.deadLettered.sum(),
        counters.fromJournal.sum(), counters.committed.sum(), counters.aborted.sum(), lag);
  }

  @Override
  public boolean healthy() {
    for (int i = 0; i < workers.size(); i++) {
      if (workers.get(i).failed() || !threads.get(i).isAlive()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean shutdown() {
    workers.forEach(Worker::stop);
    boolean stopped = true;
    try {
      for (Thread t : threads) {
        stopped &= t.join(Duration.ofSeconds(30));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = false;
    } finally {
      timeouts.close(Duration.ofSeconds(10));
    }
    return stopped;
  }
}
