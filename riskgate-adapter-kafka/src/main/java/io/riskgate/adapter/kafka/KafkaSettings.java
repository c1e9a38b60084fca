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
 * @param replicationFactor replication factor of the topics created at start; 0 for the brokers'
 *     {@code default.replication.factor}
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
    if (partitions < 1 || replicationFactor < 0) {
      throw new IllegalArgumentException("partitions must be at least 1, the replication factor at least 0");
    }
    for (String name : new String[] {bootstrapServers, groupId, inputTopic, decisionsTopic, deadLetterTopic, transactionalId}) {
      if (name.isBlank()) {
        throw new IllegalArgumentException("the brokers, group, topics and transactional id must not be blank");
      }
    }
    if (inputTopic.equals(decisionsTopic) || inputTopic.equals(deadLetterTopic) || decisionsTopic.equals(deadLetterTopic)) {
      throw new IllegalArgumentException("the input, decisions and dead-letter topics must be three different topics");
    }
    if (!autoOffsetReset.equals("earliest") && !autoOffsetReset.equals("latest")) {
      throw new IllegalArgumentException("autoOffsetReset must be earliest or latest");
    }
    if (commitInterval.isNegative() || commitInterval.isZero() || commitInterval.compareTo(MAX_COMMIT_INTERVAL) > 0) {
      throw new IllegalArgumentException("commitInterval must be positive and at most " + MAX_COMMIT_INTERVAL.toSeconds()
          + " s (transactions time out after 30 s)");
    }
  }

  /** The longest commit interval: well under the producers' transaction timeout of 30 s. */
  public static final Duration MAX_COMMIT_INTERVAL = Duration.ofSeconds(10);

  /** The settings, with the values of the client properties hidden (they may hold secrets). */
  @Override
  public String toString() {
    return "KafkaSettings[bootstrapServers=" + bootstrapServers + ", groupId=" + groupId + ", inputTopic=" + inputTopic
        + ", decisionsTopic=" + decisionsTopic + ", deadLetterTopic=" + deadLetterTopic + ", consumers=" + consumers
        + ", commitInterval=" + commitInterval + ", maxEventBytes=" + maxEventBytes + ", transactionalId=" + transactionalId
        + ", createTopics=" + createTopics + ", partitions=" + partitions + ", replicationFactor=" + replicationFactor
        + ", autoOffsetReset=" + autoOffsetReset + ", clientProperties=" + new java.util.TreeSet<>(clientProperties.keySet())
        + ", explain=" + explain + "]";
  }

  /** Settings with the defaults for everything but the brokers. */
  public static KafkaSettings defaults(String bootstrapServers) {
    return new KafkaSettings(bootstrapServers, "riskgate", "transactions", "decisions", "transactions.dead-letter", 1,
        Duration.ofMillis(20), 1 << 20, "riskgate", true, 3, (short) 0, "earliest", Map.of(), false);
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
