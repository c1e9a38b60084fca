package io.riskgate.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The server's settings: defaults, then a YAML file, then environment variables. Every setting
 * {@code a.b-c} can be set by the variable {@code RISKGATE_A_B_C}; secrets are read only from the
 * environment or from a file named by {@code RISKGATE_..._FILE}, and are never printed.
 * This class is immutable.
 */
public final class ServerConfig {
  /** Every setting, with its type and default. */
  public enum Setting {
    SERVER_HOST("server.host", Kind.STRING, "127.0.0.1", "address to listen on"),
    SERVER_PORT("server.port", Kind.PORT, "8787", "HTTP port"),
    SERVER_MAX_BODY_BYTES("server.max-body-bytes", Kind.SIZE, "1048576", "largest accepted request body"),
    SERVER_MAX_BATCH("server.max-batch", Kind.COUNT, "1000", "most events in one batch request"),
    DATA_DIR("data.dir", Kind.PATH, "data", "folder for ruleset versions and other state"),
    RULES_PATH("rules.path", Kind.PATH, "", "ruleset file or folder published at start (empty: none)"),
    RULES_WATCH("rules.watch", Kind.BOOLEAN, "true", "publish the rules path again when its files change"),
    RULES_WATCH_INTERVAL("rules.watch-interval", Kind.DURATION, "2s", "how often the rules path is checked"),
    TAGS_STORE("tags.store", Kind.STRING, "embedded", "where tags and lists live: embedded (a journal in the data folder) or memory"),
    TAGS_SEED_FILE("tags.seed-file", Kind.PATH, "", "JSON lines of tags loaded into an empty store at start (empty: none)"),
    TAGS_CACHE_SIZE("tags.cache-size", Kind.COUNT, "100000", "entities and list values kept in memory in front of PostgreSQL"),
    TAGS_CACHE_STALENESS("tags.cache-staleness", Kind.DURATION, "5s", "longest time a cached tag is served before it is read again"),
    FEATURES_STORE("features.store", Kind.STRING, "embedded", "where feature state lives: embedded (RocksDB in the data folder) or memory"),
    FEATURES_ALLOWED_LATENESS("features.allowed-lateness", Kind.DURATION, "10m", "how far behind its key's newest event an event may arrive and still count exactly"),
    FEATURES_MAX_FUTURE("features.max-future", Kind.DURATION, "1h", "how far ahead of the clock an event time may be and still count in features"),
    FEATURES_COUNT_HORIZON("features.count-horizon", Kind.DURATION, "30d", "how far back count windows (the last N events) look"),
    FEATURES_CACHE_RECORDS("features.cache-records", Kind.COUNT, "200000", "key records kept decoded in memory"),
    FEATURES_BLOCK_CACHE("features.block-cache-bytes", Kind.SIZE, "67108864", "RocksDB block cache for feature state"),
    FEATURES_SYNC("features.sync", Kind.BOOLEAN, "false", "force each state log entry to the device (survives power loss; much slower) rather than to the page cache (survives a killed process)"),
    FEATURES_EXPIRE_INTERVAL("features.expire-interval", Kind.DURATION, "10m", "how often the state of idle keys is deleted"),
    FEATURES_CHECKPOINT_INTERVAL("features.checkpoint-interval", Kind.DURATION, "30s", "how often changed key records are written to the store and the state log is cut"),
    PATTERNS_TIMER_INTERVAL("patterns.timer-interval", Kind.DURATION, "1s", "how often the timers of patterns ending with 'not:' fire the matches of keys gone quiet"),
    FEATURES_LOG_SEGMENT_BYTES("features.log-segment-bytes", Kind.SIZE, "67108864", "size of a state log segment file"),
    POSTGRES_URL("postgres.url", Kind.STRING, "", "JDBC URL of PostgreSQL holding tags and lists (empty: tags.store decides)"),
    POSTGRES_USER("postgres.user", Kind.STRING, "riskgate", "PostgreSQL user"),
    POSTGRES_PASSWORD("postgres.password", Kind.SECRET, "", "PostgreSQL password"),
    POSTGRES_POOL_SIZE("postgres.pool-size", Kind.COUNT, "8", "PostgreSQL connections"),
    POSTGRES_TIMEOUT("postgres.timeout", Kind.DURATION, "2s", "how long a PostgreSQL connection or query may take"),
    REDIS_URL("redis.url", Kind.STRING, "", "Redis shared by the engines as a cache in front of PostgreSQL (empty: none)"),
    REDIS_TIMEOUT("redis.timeout", Kind.DURATION, "100ms", "how long a Redis command may take before the engine goes on without it"),
    REDIS_TTL("redis.ttl", Kind.DURATION, "5m", "how long tags stay cached in Redis"),
    KAFKA_ENABLED("kafka.enabled", Kind.BOOLEAN, "false", "consume events from Kafka and produce decisions to it"),
    KAFKA_BOOTSTRAP_SERVERS("kafka.bootstrap-servers", Kind.STRING, "127.0.0.1:9092", "Kafka brokers, host:port,..."),
    KAFKA_GROUP_ID("kafka.group-id", Kind.STRING, "riskgate", "consumer group of the engines reading the input topic"),
    KAFKA_INPUT_TOPIC("kafka.input-topic", Kind.STRING, "transactions", "topic of the events to decide"),
    KAFKA_DECISIONS_TOPIC("kafka.decisions-topic", Kind.STRING, "decisions", "topic the decisions go to, keyed by event id"),
    KAFKA_DEAD_LETTER_TOPIC("kafka.dead-letter-topic", Kind.STRING, "transactions.dead-letter", "topic of the messages that cannot be decided, with the error and their source"),
    KAFKA_CONSUMERS("kafka.consumers", Kind.COUNT, "1", "consumer threads, each with its own transactional producer"),
    KAFKA_COMMIT_INTERVAL("kafka.commit-interval", Kind.DURATION, "20ms", "longest time a transaction stays open while messages keep coming: decisions become visible when it commits"),
    KAFKA_MAX_EVENT_BYTES("kafka.max-event-bytes", Kind.SIZE, "1048576", "a larger message is dead-lettered unread"),
    KAFKA_TRANSACTIONAL_ID("kafka.transactional-id", Kind.STRING, "", "prefix of this process's transactional ids: stable across its restarts, different in each process (empty: riskgate-<host name>)"),
    KAFKA_CREATE_TOPICS("kafka.create-topics", Kind.BOOLEAN, "true", "create missing topics at start"),
    KAFKA_PARTITIONS("kafka.partitions", Kind.COUNT, "3", "partitions of topics created at start"),
    KAFKA_REPLICATION_FACTOR("kafka.replication-factor", Kind.COUNT, "0", "replication factor of topics created at start (0: the brokers' default.replication.factor)"),
    KAFKA_AUTO_OFFSET_RESET("kafka.auto-offset-reset", Kind.STRING, "earliest", "where a group with no committed offsets starts: earliest or latest"),
    KAFKA_EXPLAIN("kafka.explain", Kind.BOOLEAN, "false", "decision records list every feature value computed for the event"),
    KAFKA_SECURITY_PROTOCOL("kafka.security-protocol", Kind.STRING, "", "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (empty: the client's default)"),
    KAFKA_SASL_MECHANISM("kafka.sasl-mechanism", Kind.STRING, "", "SASL mechanism, e.g. PLAIN, SCRAM-SHA-512 (empty: the client's default)"),
    KAFKA_SASL_JAAS_CONFIG("kafka.sasl-jaas-config", Kind.SECRET, "", "SASL JAAS configuration line, with its credentials"),
    KAFKA_SSL_TRUSTSTORE_LOCATION("kafka.ssl-truststore-location", Kind.STRING, "", "trust store file for TLS"),
    KAFKA_SSL_TRUSTSTORE_PASSWORD("kafka.ssl-truststore-password", Kind.SECRET, "", "trust store password"),
    KAFKA_SSL_KEYSTORE_LOCATION("kafka.ssl-keystore-location", Kind.STRING, "", "key store file for TLS client authentication"),
    KAFKA_SSL_KEYSTORE_PASSWORD("kafka.ssl-keystore-password", Kind.SECRET, "", "key store password"),
    KAFKA_SSL_KEY_PASSWORD("kafka.ssl-key-password", Kind.SECRET, "", "password of the key in the key store"),
    KAFKA_CLIENT_PROPERTIES("kafka.client-properties", Kind.PATH, "", "a Java properties file of further Kafka client settings, passed to every client as they are"),
    ADMIN_TOKEN("admin.token", Kind.SECRET, "", "bearer token required by ruleset publish and rollback (empty: none)"),
    LOG_LEVEL("log.level", Kind.STRING, "info", "root log level: error, warn, info, debug");

    final String key;
    final Kind kind;
    final String defaultValue;
    final String help;

    Setting(String key, Kind kind, String defaultValue, String help) {
      this.key = key;
      this.kind = kind;
      this.defaultValue = defaultValue;
      this.help = help;
    }

    /** The environment variable that overrides the setting. */
    public String env() {
      return "RISKGATE_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public String key() {
      return key;
    }

    public String help() {
      return help;
    }

    public String defaultValue() {
      return defaultValue;
    }
  }

  enum Kind {
    STRING,
    PORT,
    SIZE,
    COUNT,
    PATH,
    BOOLEAN,
    DURATION,
    SECRET
  }

  private final Map<Setting, String> values;
  private final Map<Setting, String> origins;

  private ServerConfig(Map<Setting, String> values, Map<Setting, String> origins) {
    this.values = values;
    this.origins = origins;
  }

  /** Defaults and environment only. */
  public static ServerConfig load(Optional<Path> file, Map<String, String> env) {
    Map<Setting, String> values = new EnumMap<>(Setting.class);
    Map<Setting, String> origins = new EnumMap<>(Setting.class);
    for (Setting s : Setting.values()) {
      values.put(s, s.defaultValue);
      origins.put(s, "default");
    }
    if (file.isPresent()) {
      readFile(file.get(), values, origins);
    }
    for (Setting s : Setting.values()) {
      String v = env.get(s.env());
      if (v != null) {
        values.put(s, v);
        origins.put(s, "environment variable " + s.env());
      }
      if (s.kind == Kind.SECRET) {
        String f = env.get(s.env() + "_FILE");
        if (f != null) {
          try {
            values.put(s, Files.readString(Path.of(f), StandardCharsets.UTF_8).strip());
            origins.put(s, "file named by " + s.env() + "_FILE");
          } catch (IOException e) {
            throw new ConfigException(s.key + ": cannot read the file named by " + s.env() + "_FILE");
          }
        }
      }
    }
    ServerConfig c = new ServerConfig(values, origins);
    for (Setting s : Setting.values()) {
      c.validate(s);
    }
    return c;
  }

  private static void readFile(Path file, Map<Setting, String> values, Map<Setting, String> origins) {
    Object root;
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      root = new Load(LoadSettings.builder().setLabel(file.toString()).setAllowDuplicateKeys(false)
          .setMaxAliasesForCollections(10).build()).loadFromString(text);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read the configuration file (" + e.getMessage() + ")");
    } catch (YamlEngineException e) {
      throw new ConfigException(file + ": invalid YAML: " + e.getMessage().replace('\n', ' '));
    }
    if (root == null) {
      return;
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException(file + ": the configuration must be a mapping of settings");
    }
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", map, flat, file);
    Map<String, Setting> byKey = new LinkedHashMap<>();
    for (Setting s : Setting.values()) {
      byKey.put(s.key, s);
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Object> e : flat.entrySet()) {
      Setting s = byKey.get(e.getKey());
      if (s == null) {
        problems.add(file + ": unknown setting '" + e.getKey() + "'" + io.riskgate.lang.Suggest.hint(e.getKey(), byKey.keySet()));
        continue;
      }
      if (s.kind == Kind.SECRET) {
        problems.add(file + ": '" + s.key + "' is a secret: set it with " + s.env() + " or " + s.env() + "_FILE, not in the file");
        continue;
      }
      Object v = e.getValue();
      if (v instanceof Map || v instanceof List) {
        problems.add(file + ": '" + s.key + "' must be a single value");
        continue;
      }
      values.put(s, v == null ? "" : v.toString());
      origins.put(s, file.toString());
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out, Path file) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> m) {
        flatten(key, m, out, file);
      } else {
        out.put(key, e.getValue());
      }
    }
  }

  private void validate(Setting s) {
    switch (s.kind) {
      case PORT -> {
        long p = integer(s);
        if (p < 0 || p > 65535) {
          throw bad(s, "a port between 0 and 65535");
        }
      }
      case SIZE, COUNT -> {
        if (integer(s) < (s == Setting.KAFKA_REPLICATION_FACTOR ? 0 : 1)) {
          throw bad(s, "a positive whole number");
        }
        if (s == Setting.FEATURES_LOG_SEGMENT_BYTES && (integer(s) < 4096 || integer(s) > (1 << 30))) {
          throw bad(s, "a size between 4096 and 1073741824 bytes");
        }
        if ((s == Setting.KAFKA_MAX_EVENT_BYTES && integer(s) > (64 << 20))
            || (s == Setting.KAFKA_REPLICATION_FACTOR && integer(s) > Short.MAX_VALUE)
            || ((s == Setting.KAFKA_CONSUMERS || s == Setting.KAFKA_PARTITIONS) && integer(s) > 10_000)) {
          throw bad(s, "a smaller number");
        }
      }
      case BOOLEAN -> bool(s);
      case DURATION -> {
        if (duration(s).isNegative() || duration(s).isZero()) {
          throw bad(s, "a positive duration like 500ms, 2s, 1m");
        }
      }
      case STRING -> {
        if (s == Setting.LOG_LEVEL && !List.of("error", "warn", "info", "debug", "trace").contains(raw(s).toLowerCase(Locale.ROOT))) {
          throw bad(s, "one of error, warn, info, debug, trace");
        }
        if ((s == Setting.TAGS_STORE || s == Setting.FEATURES_STORE) && !List.of("embedded", "memory").contains(raw(s))) {
          throw bad(s, "embedded or memory");
        }
        if (s == Setting.KAFKA_AUTO_OFFSET_RESET && !List.of("earliest", "latest").contains(raw(s))) {
          throw bad(s, "earliest or latest");
        }
        if (s == Setting.KAFKA_SECURITY_PROTOCOL && !List.of("", "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL").contains(raw(s))) {
          throw bad(s, "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
        }
        if (s == Setting.KAFKA_BOOTSTRAP_SERVERS && !raw(s).matches("[^,\\s]+:\\d{1,5}(,[^,\\s]+:\\d{1,5})*")) {
          throw bad(s, "host:port[,host:port...]");
        }
      }
      default -> {}
    }
  }

  private ConfigException bad(Setting s, String expected) {
    String shown = s.kind == Kind.SECRET ? "(hidden)" : "'" + raw(s) + "'";
    return new ConfigException(s.key + " (from " + origins.get(s) + "): expected " + expected + ", got " + shown);
  }

  private String raw(Setting s) {
    return values.get(s).strip();
  }

  private long integer(Setting s) {
    try {
      return Long.parseLong(raw(s).replace("_", ""));
    } catch (NumberFormatException e) {
      throw bad(s, "a whole number");
    }
  }

  private boolean bool(Setting s) {
    return switch (raw(s).toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw bad(s, "true or false");
    };
  }

  private Duration duration(Setting s) {
    String v = raw(s);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw bad(s, "a duration like 500ms, 2s, 1m, 1h, 1d");
      };
    } catch (NumberFormatException | StringIndexOutOfBoundsException | ArithmeticException e) {
      throw bad(s, "a duration like 500ms, 2s, 1m");
    }
  }

  public String host() {
    return raw(Setting.SERVER_HOST);
  }

  public int port() {
    return (int) integer(Setting.SERVER_PORT);
  }

  public long maxBodyBytes() {
    return integer(Setting.SERVER_MAX_BODY_BYTES);
  }

  public int maxBatch() {
    return (int) Math.min(Integer.MAX_VALUE, integer(Setting.SERVER_MAX_BATCH));
  }

  public Path dataDir() {
    return Path.of(raw(Setting.DATA_DIR));
  }

  public Optional<Path> rulesPath() {
    String v = raw(Setting.RULES_PATH);
    return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
  }

  public boolean rulesWatch() {
    return bool(Setting.RULES_WATCH);
  }

  public Duration rulesWatchInterval() {
    return duration(Setting.RULES_WATCH_INTERVAL);
  }

  /** The PostgreSQL settings, when a URL is configured. */
  public Optional<io.riskgate.adapter.postgres.PostgresTagStore.Settings> postgres() {
    String url = raw(Setting.POSTGRES_URL);
    if (url.isEmpty()) {
      return Optional.empty();
    }
    if (!url.startsWith("jdbc:postgresql:")) {
      throw bad(Setting.POSTGRES_URL, "a JDBC URL like jdbc:postgresql://127.0.0.1:5432/riskgate");
    }
    return Optional.of(new io.riskgate.adapter.postgres.PostgresTagStore.Settings(url, raw(Setting.POSTGRES_USER),
        raw(Setting.POSTGRES_PASSWORD), (int) integer(Setting.POSTGRES_POOL_SIZE), duration(Setting.POSTGRES_TIMEOUT)));
  }

  /** The Redis URL, when one is configured. */
  public Optional<String> redisUrl() {
    String v = raw(Setting.REDIS_URL);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (!v.startsWith("redis://") && !v.startsWith("rediss://")) {
      throw bad(Setting.REDIS_URL, "a URL like redis://127.0.0.1:6379");
    }
    return Optional.of(v);
  }

  public Duration redisTimeout() {
    return duration(Setting.REDIS_TIMEOUT);
  }

  public Duration redisTtl() {
    return duration(Setting.REDIS_TTL);
  }

  public long tagsCacheSize() {
    return integer(Setting.TAGS_CACHE_SIZE);
  }

  public Duration tagsCacheStaleness() {
    return duration(Setting.TAGS_CACHE_STALENESS);
  }

  /** Whether tags and lists persist in the data folder (else they live in memory only). */
  public boolean featuresEmbedded() {
    return raw(Setting.FEATURES_STORE).equals("embedded");
  }

  public Duration featuresAllowedLateness() {
    return duration(Setting.FEATURES_ALLOWED_LATENESS);
  }

  public Duration featuresMaxFuture() {
    return duration(Setting.FEATURES_MAX_FUTURE);
  }

  public Duration featuresCountHorizon() {
    return duration(Setting.FEATURES_COUNT_HORIZON);
  }

  public int featuresCacheRecords() {
    return (int) Math.min(Integer.MAX_VALUE, integer(Setting.FEATURES_CACHE_RECORDS));
  }

  public long featuresBlockCacheBytes() {
    return integer(Setting.FEATURES_BLOCK_CACHE);
  }

  public boolean featuresSync() {
    return bool(Setting.FEATURES_SYNC);
  }

  public Duration patternsTimerInterval() {
    return duration(Setting.PATTERNS_TIMER_INTERVAL);
  }

  public Duration featuresExpireInterval() {
    return duration(Setting.FEATURES_EXPIRE_INTERVAL);
  }

  public Duration featuresCheckpointInterval() {
    return duration(Setting.FEATURES_CHECKPOINT_INTERVAL);
  }

  public int featuresLogSegmentBytes() {
    return (int) integer(Setting.FEATURES_LOG_SEGMENT_BYTES);
  }

  /** A Kafka setting's text, whether or not the pipeline is enabled (for the command line tools). */
  public String kafkaSetting(Setting s) {
    if (!s.key.startsWith("kafka.") || s.kind == Kind.SECRET) {
      throw new IllegalArgumentException(s.key);
    }
    return raw(s);
  }

  /** The Kafka pipeline's settings, when it is enabled. */
  public Optional<io.riskgate.adapter.kafka.KafkaSettings> kafka() {
    if (!bool(Setting.KAFKA_ENABLED)) {
      return Optional.empty();
    }
    String transactionalId = raw(Setting.KAFKA_TRANSACTIONAL_ID);
    if (transactionalId.isEmpty()) {
      transactionalId = "riskgate-" + hostName();
    }
    try {
      return Optional.of(new io.riskgate.adapter.kafka.KafkaSettings(raw(Setting.KAFKA_BOOTSTRAP_SERVERS),
          raw(Setting.KAFKA_GROUP_ID), raw(Setting.KAFKA_INPUT_TOPIC), raw(Setting.KAFKA_DECISIONS_TOPIC),
          raw(Setting.KAFKA_DEAD_LETTER_TOPIC), (int) integer(Setting.KAFKA_CONSUMERS), duration(Setting.KAFKA_COMMIT_INTERVAL),
          (int) integer(Setting.KAFKA_MAX_EVENT_BYTES), transactionalId, bool(Setting.KAFKA_CREATE_TOPICS),
          (int) integer(Setting.KAFKA_PARTITIONS), (short) integer(Setting.KAFKA_REPLICATION_FACTOR),
          raw(Setting.KAFKA_AUTO_OFFSET_RESET), kafkaClientProperties(), bool(Setting.KAFKA_EXPLAIN)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("kafka: " + e.getMessage());
    }
  }

  /** This machine's name, for ids that must stay the same across restarts and differ between machines. */
  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.strip();
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "localhost";
    }
  }

  /**
   * The client settings passed to every Kafka client: those of the properties file first, then the
   * security settings that are set.
   */
  public Map<String, String> kafkaClientProperties() {
    Map<String, String> props = new LinkedHashMap<>();
    String file = raw(Setting.KAFKA_CLIENT_PROPERTIES);
    if (!file.isEmpty()) {
      java.util.Properties p = new java.util.Properties();
      try (var in = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
        p.load(in);
      } catch (IOException | IllegalArgumentException e) {
        throw new ConfigException(Setting.KAFKA_CLIENT_PROPERTIES.key + ": cannot read " + file + " (" + e.getMessage() + ")");
      }
      p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
    }
    Map<Setting, String> security = new java.util.LinkedHashMap<>();
    security.put(Setting.KAFKA_SECURITY_PROTOCOL, "security.protocol");
    security.put(Setting.KAFKA_SASL_MECHANISM, "sasl.mechanism");
    security.put(Setting.KAFKA_SASL_JAAS_CONFIG, "sasl.jaas.config");
    security.put(Setting.KAFKA_SSL_TRUSTSTORE_LOCATION, "ssl.truststore.location");
    security.put(Setting.KAFKA_SSL_TRUSTSTORE_PASSWORD, "ssl.truststore.password");
    security.put(Setting.KAFKA_SSL_KEYSTORE_LOCATION, "ssl.keystore.location");
    security.put(Setting.KAFKA_SSL_KEYSTORE_PASSWORD, "ssl.keystore.password");
    security.put(Setting.KAFKA_SSL_KEY_PASSWORD, "ssl.key.password");
    security.forEach((setting, property) -> {
      if (!raw(setting).isEmpty()) {
        props.put(property, raw(setting));
      }
    });
    return props;
  }

  public boolean tagsEmbedded() {
    return raw(Setting.TAGS_STORE).equals("embedded");
  }

  public Optional<Path> tagsSeedFile() {
    String v = raw(Setting.TAGS_SEED_FILE);
    return v.isEmpty() ? Optional.empty() : Optional.of(Path.of(v));
  }

  public Optional<String> adminToken() {
    String v = raw(Setting.ADMIN_TOKEN);
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  public String logLevel() {
    return raw(Setting.LOG_LEVEL).toLowerCase(Locale.ROOT);
  }

  /** The settings and where each came from, secrets hidden; for the start-up log. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Setting s : Setting.values()) {
      String v = s.kind == Kind.SECRET ? (raw(s).isEmpty() ? "(unset)" : "(set)") : raw(s);
      sb.append(s.key).append('=').append(v).append(" [").append(origins.get(s)).append("] ");
    }
    return sb.toString().strip();
  }
}
