package io.riskgate.adapter.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The records the pipeline produces. A decision: the decision's JSON, keyed by the event's id. A dead
 * letter: the message as it came (cut to the size limit when it was too large), under its own key,
 * with headers naming the error. Both carry headers naming the message they answer.
 */
final class OutputRecords {
  static final String ERROR = "riskgate.error";
  static final String REASON = "riskgate.error.reason";
  static final String TOPIC = "riskgate.source.topic";
  static final String PARTITION = "riskgate.source.partition";
  static final String OFFSET = "riskgate.source.offset";
  static final String TIMESTAMP = "riskgate.source.timestamp";
  static final String TRUNCATED = "riskgate.truncated";

  /**
   * The most of a message a dead letter carries: with its headers, it stays under the brokers'
   * default record size limit of 1 MiB.
   */
  static final int MAX_DEAD_LETTER_VALUE = 768 << 10;

  private OutputRecords() {}

  /**
   * @param reason a short stable code: {@code malformed_json}, {@code wrong_type},
   *     {@code unknown_event_type}, {@code too_large}, {@code empty}, {@code engine_error}, ...
   * @param maxBytes the event size limit: the value is cut to it (and to 768 KiB at most)
   */
  static ProducerRecord<byte[], byte[]> deadLetter(String topic, ConsumerRecord<byte[], byte[]> source, String reason,
      String error, int maxBytes) {
    RecordHeaders h = new RecordHeaders();
    h.add(ERROR, utf8(error));
    h.add(REASON, utf8(reason));
    source(h, source);
    byte[] value = source.value();
    int keep = Math.min(maxBytes, MAX_DEAD_LETTER_VALUE);
    if (value != null && value.length > keep) {
      value = Arrays.copyOf(value, keep);
      h.add(TRUNCATED, utf8("true"));
    }
    return new ProducerRecord<>(topic, null, source.key(), value, h);
  }

  /** A decision record, with headers naming the message it answers. */
  static ProducerRecord<byte[], byte[]> decision(String topic, ConsumerRecord<byte[], byte[]> source, byte[] key, byte[] value) {
    RecordHeaders h = new RecordHeaders();
    source(h, source);
    return new ProducerRecord<>(topic, null, key, value, h);
  }

  private static void source(RecordHeaders h, ConsumerRecord<byte[], byte[]> source) {
    h.add(TOPIC, utf8(source.topic()));
    h.add(PARTITION, utf8(Integer.toString(source.partition())));
    h.add(OFFSET, utf8(Long.toString(source.offset())));
    h.add(TIMESTAMP, utf8(Long.toString(source.timestamp())));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
