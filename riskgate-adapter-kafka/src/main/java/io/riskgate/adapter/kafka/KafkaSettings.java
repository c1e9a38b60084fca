package io.riskgate.adapter.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where events come from and where decisions go.
 *
 * @param bootstrapServers the brokers, {@code host:port,...}
 * @param groupId the consumer group of the engines reading {@code inputTopic}
 * @param inputTopic the events to decide
 * @param decisionsTopic where a decision record goes for each event, keyed by the event's id
 * @param deadLetterTopic where messages that cannot be decided go, with the error and their source
 * @param consumers consumer threads in this process, each with its own transactional producer
 * @param commitInterval the longest time a transaction stays open; decisions become visible to
 *     read-committed readers when it commits
 * @param maxEventBytes a larger message is dead-lettered unread
 * @param transactionalId the prefix of this process's transactional ids; it must be stable across
 *     restarts of the process (so that a restarted engine aborts what its previous run left open)
 *     and differ between processes
 * @param createTopics whether missing topics are created at start
 * @param partitions partitions of the topics created at start
 * @param replicationFactor replication factor of the topics created at start
 * @param autoOffsetReset where a group without committed offsets starts: {@code earliest} or
 *     {@code latest}
 * @param clientProperties further client settings passed to every consumer, producer and admin
 *     client as they are (security: {@code security.protocol}, {@code sasl.*}, {@code ssl.*})
 * @param explain whether decision records list every feature value computed for the event
 */
public record KafkaSettings(
    String bootstrapServers,
    String groupId,
    String inputTopic,
    String decisionsTopic,
    String deadLetterTopic,
    int consumers,
    Duration commitInterval,
    int maxEventBytes,
    String transactionalId,
    boolean createTopics,
    int partitions,
    short replicationFactor,
    String autoOffsetReset,
    Map<String, String> clientProperties,
    boolean explain) {

  public KafkaSettings {
    Objects.requireNonNull(bootstrapServers);
    Objects.requireNonNull(groupId);
    Objects.requireNonNull(inputTopic);
    Objects.requireNonNull(decisionsTopic);
    Objects.requireNonNull(deadLetterTopic);
    Objects.requireNonNull(commitInterval);
    Objects.requireNonNull(transactionalId);
    Objects.requireNonNull(autoOffsetReset);
    clientProperties = Map.copyOf(clientProperties);
    if (consumers < 1) {
      throw new IllegalArgumentException("consumers must be at least 1");
    }
    if (maxEventBytes < 1) {
      throw new IllegalArgumentException("maxEventBytes must be at least 1");
    }
    if (partitions < 1 || replicationFactor < 1) {
      throw new IllegalArgumentException("partitions and replication factor must be at least 1");
    }
    if (!autoOffsetReset.equals("earliest") && !autoOffsetReset.equals("latest")) {
      throw new IllegalArgumentException("autoOffsetReset must be earliest or latest");
    }
    if (commitInterval.isNegative() || commitInterval.isZero()) {
      throw new IllegalArgumentException("commitInterval must be positive");
    }
  }

  /** Settings with the defaults for everything but the brokers. */
  public static KafkaSettings defaults(String bootstrapServers) {
    return new KafkaSettings(bootstrapServers, "riskgate", "transactions", "decisions", "transactions.dead-letter", 1,
        Duration.ofMillis(20), 1 << 20, "riskgate", true, 3, (short) 1, "earliest", Map.of(), false);
  }

  /** The same settings with other topics. */
  public KafkaSettings withTopics(String input, String decisions, String deadLetter) {
    return new KafkaSettings(bootstrapServers, groupId, input, decisions, deadLetter, consumers, commitInterval,
        maxEventBytes, transactionalId, createTopics, partitions, replicationFactor, autoOffsetReset, clientProperties, explain);
  }

  /** The same settings with another group and transactional id prefix. */
  public KafkaSettings withGroup(String group, String transactionalIdPrefix) {
    return new KafkaSettings(bootstrapServers, group, inputTopic, decisionsTopic, deadLetterTopic, consumers,
        commitInterval, maxEventBytes, transactionalIdPrefix, createTopics, partitions, replicationFactor,
        autoOffsetReset, clientProperties, explain);
  }

  /** The same settings with another number of consumer threads and commit interval. */
  public KafkaSettings withConsumers(int n, Duration interval) {
    return new KafkaSettings(bootstrapServers, groupId, inputTopic, decisionsTopic, deadLetterTopic, n, interval,
        maxEventBytes, transactionalId, createTopics, partitions, replicationFactor, autoOffsetReset, clientProperties, explain);
  }

  /** The same settings with another size limit for events. */
  public KafkaSettings withMaxEventBytes(int max) {
    return new KafkaSettings(bootstrapServers, groupId, inputTopic, decisionsTopic, deadLetterTopic, consumers,
        commitInterval, max, transactionalId, createTopics, partitions, replicationFactor, autoOffsetReset,
        clientProperties, explain);
  }
}
