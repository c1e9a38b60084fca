package io.riskgate.adapter.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.riskgate.tags.SharedTagCache;
import io.riskgate.tags.TagStoreException;
import io.riskgate.tags.TagValueJson;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Tags cached in Redis with Lettuce. Commands time out after a short, configured time, and fail at
 * once while Redis is unreachable (no queueing); Lettuce reconnects by itself when Redis is back,
 * and subscribes again. Invalidations are published on a channel every engine listens to.
 */
public final class RedisTagCache implements SharedTagCache {
  static final String CHANNEL = "riskgate:tags:invalidate";
  private static final String PREFIX = "riskgate:tag:";
  private static final JsonFactory JSON = new JsonFactory();

  private final RedisClient client;
  private final List<BiConsumer<String, String>> listeners = new CopyOnWriteArrayList<>();
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile StatefulRedisPubSubConnection<String, String> pubsub;

  private RedisTagCache(RedisClient client) {
    this.client = client;
  }

  /**
   * A cache on the Redis at {@code url} (e.g. {@code redis://127.0.0.1:6379}); connects now if it
   * can, else at the first use.
   */
  public static RedisTagCache open(String url, Duration timeout) {
    RedisURI uri;
    try {
      uri = RedisURI.create(url);
    } catch (IllegalArgumentException e) {
      throw new TagStoreException("invalid Redis URL " + url + ": " + e.getMessage(), e);
    }
    uri.setTimeout(timeout);
    RedisClient client = RedisClient.create(uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .build());
    RedisTagCache cache = new RedisTagCache(client);
    try {
      cache.connected();
    } catch (TagStoreException e) {
      // not reachable now: the engine starts degraded and connects later
    }
    return cache;
  }

  private StatefulRedisConnection<String, String> connected() {
    StatefulRedisConnection<String, String> c = connection;
    return c != null ? c : connectNow();
  }

  private synchronized StatefulRedisConnection<String, String> connectNow() {
    if (connection == null) {
      try {
        StatefulRedisPubSubConnection<String, String> ps = client.connectPubSub();
        ps.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            int colon = message.indexOf(':');
            if (colon <= 0) {
              return;
            }
            int len = Integer.parseInt(message.substring(0, colon));
            String entity = message.substring(colon + 1, colon + 1 + len);
            String key = message.substring(colon + 2 + len);
            listeners.forEach(l -> l.accept(entity, key));
          }
        });
        ps.sync().subscribe(CHANNEL);
        pubsub = ps;
        connection = client.connect();
      } catch (RuntimeException e) {
        throw new TagStoreException("Redis unreachable: " + e.getMessage(), e);
      }
    }
    return connection;
  }

  /** {@code entity} with its length first, so that names holding ':' stay apart. */
  static String id(String entity, String key) {
    return entity.length() + ":" + entity + ":" + key;
  }

  @Override
  public Optional<Map<String, Object>> get(String entity, String key) {
    String value;
    try {
      value = connected().sync().get(PREFIX + id(entity, key));
    } catch (TagStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TagStoreException("Redis read failed: " + e.getMessage(), e);
    }
    return value == null ? Optional.empty() : Optional.of(decode(value));
  }

  /** One MGET for all the keys. */
  @Override
  public Map<Map.Entry<String, String>, Map<String, Object>> getAll(List<Map.Entry<String, String>> keys) {
    String[] ids = keys.stream().map(k -> PREFIX + id(k.getKey(), k.getValue())).toArray(String[]::new);
    List<io.lettuce.core.KeyValue<String, String>> values;
    try {
      values = connected().sync().mget(ids);
    } catch (TagStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TagStoreException("Redis read failed: " + e.getMessage(), e);
    }
    Map<Map.Entry<String, String>, Map<String, Object>> out = new LinkedHashMap<>();
    for (int i = 0; i < values.size() && i < keys.size(); i++) {
      if (values.get(i).hasValue()) {
        out.put(keys.get(i), decode(values.get(i).getValue()));
      }
    }
    return out;
  }

  @Override
  public void put(String entity, String key, Map<String, Object> attributes, Duration ttl) {
    try {
      connected().sync().set(PREFIX + id(entity, key), encode(attributes), SetArgs.Builder.px(Math.max(1, ttl.toMillis())));
    } catch (TagStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TagStoreException("Redis write failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void invalidate(String entity, String key) {
    try {
      var sync = connected().sync();
      sync.del(PREFIX + id(entity, key));
      sync.publish(CHANNEL, id(entity, key));
    } catch (TagStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TagStoreException("Redis invalidation failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void onInvalidation(BiConsumer<String, String> listener) {
    listeners.add(listener);
  }

  @Override
  public synchronized void close() {
    if (pubsub != null) {
      pubsub.close();
    }
    if (connection != null) {
      connection.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  // ------------------------------------------------------------------ values

  static String encode(Map<String, Object> attributes) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      for (Map.Entry<String, Object> e : attributes.entrySet()) {
        g.writeObjectFieldStart(e.getKey());
        TagValueJson.writeFields(g, e.getValue());
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  static Map<String, Object> decode(String json) {
    Map<String, Object> out = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new TagStoreException("unreadable cached tags", null);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        String type = null;
        Object value = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken t = p.nextToken();
          if (f.equals("t")) {
            type = p.getText();
          } else if (f.equals("v")) {
            value = TagValueJson.readValue(p, t);
          } else {
            p.skipChildren();
          }
        }
        if (value != null) {
          out.put(name, TagValueJson.typed(type, value));
        }
      }
    } catch (IOException e) {
      throw new TagStoreException("unreadable cached tags: " + e.getMessage(), e);
    }
    return out;
  }
}
