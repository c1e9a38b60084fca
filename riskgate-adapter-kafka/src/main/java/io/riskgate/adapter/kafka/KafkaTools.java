package io.riskgate.adapter.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Small producer and reader for the command line, the demo and tests. */
public final class KafkaTools {
  private static final JsonFactory JSON = new JsonFactory();

  private KafkaTools() {}

  /** A record read from a topic; header values as UTF-8 text, in the record's order. */
  public record Message(String topic, int partition, long offset, Optional<String> key, byte[] value, Map<String, String> headers) {
    public Message {
      headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    public String text() {
      return value == null ? "" : new String(value, StandardCharsets.UTF_8);
    }
  }

  /** Sends messages one at a time, without waiting for each; {@link #close} waits for all. */
  public interface Sender extends AutoCloseable {
    /** Sends a message keyed by the text of its top-level key field, with this timestamp (epoch ms). */
    void send(byte[] message, long timestampMillis);

    /** Messages sent and acknowledged by the broker so far. */
    long acknowledged();

    /** Waits until every message sent is acknowledged, then closes. */
    @Override
    void close();
  }

  /**
   * A sender to {@code topic} (idempotent, {@code acks=all}) keying each message by its top-level
   * field {@code keyField}.
   */
  public static Sender sender(String bootstrapServers, Map<String, String> properties, String topic, String keyField) {
    KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerConfig(bootstrapServers, properties));
    java.util.concurrent.atomic.LongAdder acked = new java.util.concurrent.atomic.LongAdder();
    java.util.concurrent.atomic.AtomicReference<Exception> failure = new java.util.concurrent.atomic.AtomicReference<>();
    p.partitionsFor(topic);
    return new Sender() {
      @Override
      public void send(byte[] message, long timestampMillis) {
        Exception f = failure.get();
        if (f != null) {
          throw new KafkaPipelineException("kafka: cannot send to " + topic + ": " + f.getMessage(), f);
        }
        byte[] key = keyOf(message, keyField).map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        p.send(new ProducerRecord<>(topic, null, timestampMillis, key, message), (meta, e) -> {
          if (e != null) {
            failure.compareAndSet(null, e);
          } else {
            acked.increment();
          }
        });
      }

      @Override
      public long acknowledged() {
        return acked.sum();
      }

      @Override
      public void close() {
        p.close();
      }
    };
  }

  private static Map<String, Object> producerConfig(String bootstrapServers, Map<String, String> properties) {
    Map<String, Object> c = new LinkedHashMap<>(properties);
    c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ProducerConfig.ACKS_CONFIG, "all");
    c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    c.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    return c;
  }

  /**
   * Sends the messages to {@code topic}, in order, each keyed by the text of its top-level field
   * {@code keyField} when it is a JSON object that has one (else without a key), and waits until the
   * broker has them all.
   *
   * @return how many were sent
   * @throws KafkaPipelineException when a message cannot be sent
   */
  public static int produce(String bootstrapServers, Map<String, String> properties, String topic, String keyField,
      Iterable<byte[]> messages) {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerConfig(bootstrapServers, properties))) {
      p.partitionsFor(topic);
      for (byte[] m : messages) {
        byte[] key = keyOf(m, keyField).map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        sent.add(p.send(new ProducerRecord<>(topic, key, m)));
      }
      p.flush();
      for (Future<RecordMetadata> f : sent) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new KafkaPipelineException("kafka: cannot send to " + topic + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaPipelineException("kafka: interrupted", e);
    } catch (KafkaException e) {
      throw new KafkaPipelineException("kafka: cannot send to " + topic + ": " + e.getMessage(), e);
    }
    return sent.size();
  }

  /**
   * Reads the committed records of every partition of {@code topic} (from the beginning, or only
   * those written from now on) and gives each to {@code sink}, until {@code max} were read or none
   * came for {@code idle}.
   *
   * @return how many were read
   */
  public static int consume(String bootstrapServers, Map<String, String> properties, String topic, boolean fromBeginning,
      int max, Duration idle, java.util.function.Consumer<Message> sink) {
    Map<String, Object> c = new LinkedHashMap<>(properties);
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    int n = 0;
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (parts.isEmpty()) {
        throw new KafkaPipelineException("kafka: no topic " + topic + " on " + bootstrapServers);
      }
      consumer.assign(parts);
      if (fromBeginning) {
        consumer.seekToBeginning(parts);
      } else {
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
      }
      long lastSeen = System.nanoTime();
      while (n < max && System.nanoTime() - lastSeen < idle.toNanos()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          Map<String, String> headers = new LinkedHashMap<>();
          for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
          }
          sink.accept(new Message(r.topic(), r.partition(), r.offset(),
              Optional.ofNullable(r.key()).map(k -> new String(k, StandardCharsets.UTF_8)), r.value(), headers));
          lastSeen = System.nanoTime();
          if (++n >= max) {
            break;
          }
        }
      }
    } catch (KafkaException e) {
      throw new KafkaPipelineException("kafka: cannot read " + topic + ": " + e.getMessage(), e);
    }
    return n;
  }

  /** The text of a top-level field of a JSON object, when the message is one and has it. */
  static Optional<String> keyOf(byte[] message, String field) {
    try (JsonParser p = JSON.createParser(message)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals(field) && t.isScalarValue() && t != JsonToken.VALUE_NULL) {
          return Optional.of(p.getText());
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
