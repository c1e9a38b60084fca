package io.riskgate.adapter.postgres;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.riskgate.lang.TagView;
import io.riskgate.tags.Attribute;
import io.riskgate.tags.AuditRecord;
import io.riskgate.tags.Change;
import io.riskgate.tags.ListEntry;
import io.riskgate.tags.TagStore;
import io.riskgate.tags.TagStoreException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;

/**
 * Tags, lists and their audit in PostgreSQL, the source of truth. Each change and its audit row
 * are written in one transaction. The schema is managed by Flyway migrations. The SQL is plain
 * (upserts with {@code ON CONFLICT}, no extensions), as PostgreSQL-compatible databases accept it.
 */
public final class PostgresTagStore implements TagStore {
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * Connection settings.
   *
   * @param url a JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/riskgate}
   * @param user the user
   * @param password the password
   * @param poolSize connections in the pool
   * @param timeout how long a connection or a query may take before the store gives up
   */
  public record Settings(String url, String user, String password, int poolSize, Duration timeout) {
    @Override
    public String toString() {
      return "Settings[url=" + url + ", user=" + user + ", password=(hidden), poolSize=" + poolSize + ", timeout=" + timeout + "]";
    }
  }

  private final HikariDataSource pool;
  private final Clock clock;
  private final ThreadLocal<Connection> batch = new ThreadLocal<>();

  private PostgresTagStore(HikariDataSource pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** Connects, brings the schema up to date, and returns the store. */
  public static PostgresTagStore open(Settings settings, Clock clock) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(settings.url());
    config.setUsername(settings.user());
    config.setPassword(settings.password());
    config.setMaximumPoolSize(settings.poolSize());
    config.setConnectionTimeout(Math.max(250, settings.timeout().toMillis()));
    config.setValidationTimeout(Math.max(250, settings.timeout().toMillis()));
    config.setPoolName("riskgate-postgres");
    // the driver counts these in whole seconds: round the configured timeout up
    long seconds = Math.max(1, (settings.timeout().toMillis() + 999) / 1000);
    config.addDataSourceProperty("socketTimeout", Long.toString(seconds));
    config.addDataSourceProperty("connectTimeout", Long.toString(seconds));
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new TagStoreException("cannot connect to " + settings.url() + ": " + rootMessage(e), e);
    }
    try {
      Flyway.configure().dataSource(pool).locations("classpath:db/riskgate").load().migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw new TagStoreException("cannot migrate the schema at " + settings.url() + ": " + rootMessage(e), e);
    }
    return new PostgresTagStore(pool, clock);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  // ------------------------------------------------------------------ connections

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs work in the current batch's transaction, or in a transaction of its own. */
  private <T> T tx(Work<T> work) {
    Connection current = batch.get();
    if (current != null) {
      try {
        return work.run(current);
      } catch (SQLException e) {
        throw new TagStoreException("database error: " + e.getMessage(), e);
      }
    }
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new TagStoreException("database error: " + e.getMessage(), e);
    }
  }

  private <T> T read(Work<T> work) {
    Connection current = batch.get();
    try {
      if (current != null) {
        return work.run(current);
      }
      try (Connection c = pool.getConnection()) {
        return work.run(c);
      }
    } catch (SQLException e) {
      throw new TagStoreException("database error: " + e.getMessage(), e);
    }
  }

  @Override
  public void batch(Runnable changes) {
    if (batch.get() != null) {
      changes.run();
      return;
    }
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      batch.set(c);
      try {
        changes.run();
        c.commit();
      } catch (RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        batch.remove();
      }
    } catch (SQLException e) {
      throw new TagStoreException("database error: " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ lookups

  @Override
  public TagView lookup(String entity, String key) {
    Map<String, Object> values = new HashMap<>();
    tags(entity, key).forEach((name, a) -> values.put(name, a.value()));
    return TagView.of(values);
  }

  @Override
  public boolean contains(String list, String value) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "select 1 from list_entries where list_name = ? and value = ? and (expires_at is null or expires_at > ?)")) {
        ps.setString(1, list);
        ps.setString(2, value);
        ps.setTimestamp(3, Timestamp.from(clock.instant()));
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  @Override
  public Map<String, Attribute> tags(String entity, String key) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "select attribute, kind, value, expires_at, source, updated_at from tag_values"
              + " where entity = ? and entity_key = ? and (expires_at is null or expires_at > ?) order by attribute")) {
        ps.setString(1, entity);
        ps.setString(2, key);
        ps.setTimestamp(3, Timestamp.from(clock.instant()));
        Map<String, Attribute> out = new LinkedHashMap<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            Attribute a = attribute(rs);
            out.put(a.name(), a);
          }
        }
        return out;
      }
    });
  }

  private static Attribute attribute(ResultSet rs) throws SQLException {
    Timestamp exp = rs.getTimestamp("expires_at");
    return new Attribute(rs.getString("attribute"), decode(rs.getString("kind"), rs.getString("value")),
        Optional.ofNullable(exp).map(Timestamp::toInstant), rs.getString("source"), rs.getTimestamp("updated_at").toInstant());
  }

  // ------------------------------------------------------------------ changes

  @Override
  public void putTags(String entity, String key, Map<String, Attribute> attributes, Change change) {
    if (attributes.isEmpty()) {
      throw new IllegalArgumentException("no attributes to set");
    }
    tx(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "insert into tag_values (entity, entity_key, attribute, kind, value, expires_at, source, updated_at)"
              + " values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (entity, entity_key, attribute) do update set"
              + " kind = excluded.kind, value = excluded.value, expires_at = excluded.expires_at,"
              + " source = excluded.source, updated_at = excluded.updated_at")) {
        for (Attribute a : attributes.values()) {
          ps.setString(1, entity);
          ps.setString(2, key);
          ps.setString(3, a.name());
          ps.setString(4, kind(a.value()));
          ps.setString(5, encode(a.value()));
          ps.setTimestamp(6, a.expiresAt().map(Timestamp::from).orElse(null));
          ps.setString(7, a.source());
          ps.setTimestamp(8, Timestamp.from(a.updatedAt()));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      audit(c, change, "tags_set", entity + ":" + key);
      return null;
    });
  }

  @Override
  public boolean deleteTags(String entity, String key, Optional<String> attribute, Change change) {
    return tx(c -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement(attribute.isPresent()
          ? "delete from tag_values where entity = ? and entity_key = ? and attribute = ?"
          : "delete from tag_values where entity = ? and entity_key = ?")) {
        ps.setString(1, entity);
        ps.setString(2, key);
        if (attribute.isPresent()) {
          ps.setString(3, attribute.get());
        }
        n = ps.executeUpdate();
      }
      if (n > 0) {
        audit(c, change, "tags_deleted", entity + ":" + key + attribute.map(a -> "." + a).orElse(""));
      }
      return n > 0;
    });
  }

  @Override
  public void addListEntry(ListEntry entry, Change change) {
    tx(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "insert into list_entries (list_name, value, reason, expires_at, added_at) values (?, ?, ?, ?, ?)"
              + " on conflict (list_name, value) do update set reason = excluded.reason,"
              + " expires_at = excluded.expires_at, added_at = excluded.added_at")) {
        ps.setString(1, entry.list());
        ps.setString(2, entry.value());
        ps.setString(3, entry.reason());
        ps.setTimestamp(4, entry.expiresAt().map(Timestamp::from).orElse(null));
        ps.setTimestamp(5, Timestamp.from(entry.addedAt()));
        ps.executeUpdate();
      }
      audit(c, change, "list_added", entry.list() + ":" + entry.value());
      return null;
    });
  }

  @Override
  public boolean removeListEntry(String list, String value, Change change) {
    return tx(c -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement("delete from list_entries where list_name = ? and value = ?")) {
        ps.setString(1, list);
        ps.setString(2, value);
        n = ps.executeUpdate();
      }
      if (n > 0) {
        audit(c, change, "list_removed", list + ":" + value);
      }
      return n > 0;
    });
  }

  private void audit(Connection c, Change change, String action, String target) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("insert into audit (at, actor, action, target, reason) values (?, ?, ?, ?, ?)")) {
      ps.setTimestamp(1, Timestamp.from(clock.instant()));
      ps.setString(2, change.actor());
      ps.setString(3, action);
      ps.setString(4, target);
      ps.setString(5, change.reason());
      ps.executeUpdate();
    }
  }

  // ------------------------------------------------------------------ reads for administration

  @Override
  public List<ListEntry> listEntries(String list, int limit) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "select list_name, value, reason, expires_at, added_at from list_entries where list_name = ?"
              + " and (expires_at is null or expires_at > ?) order by value limit ?")) {
        ps.setString(1, list);
        ps.setTimestamp(2, Timestamp.from(clock.instant()));
        ps.setInt(3, limit);
        return listEntries(ps);
      }
    });
  }

  private static List<ListEntry> listEntries(PreparedStatement ps) throws SQLException {
    List<ListEntry> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        Timestamp exp = rs.getTimestamp("expires_at");
        out.add(new ListEntry(rs.getString("list_name"), rs.getString("value"),
            Optional.ofNullable(exp).map(Timestamp::toInstant), rs.getString("reason"), rs.getTimestamp("added_at").toInstant()));
      }
    }
    return out;
  }

  @Override
  public List<AuditRecord> audit(int limit) {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "select seq, at, actor, action, target, reason from audit order by seq desc limit ?")) {
        ps.setInt(1, limit);
        List<AuditRecord> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new AuditRecord(rs.getLong("seq"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
                rs.getString("action"), rs.getString("target"), rs.getString("reason")));
          }
        }
        return out;
      }
    });
  }

  @Override
  public Stream<EntityTags> entities() {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "select entity, entity_key, attribute, kind, value, expires_at, source, updated_at from tag_values"
              + " where expires_at is null or expires_at > ? order by entity, entity_key, attribute")) {
        ps.setTimestamp(1, Timestamp.from(clock.instant()));
        List<EntityTags> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          String entity = null;
          String key = null;
          Map<String, Attribute> attrs = null;
          while (rs.next()) {
            if (!rs.getString("entity").equals(entity) || !rs.getString("entity_key").equals(key)) {
              if (attrs != null) {
                out.add(new EntityTags(entity, key, attrs));
              }
              entity = rs.getString("entity");
              key = rs.getString("entity_key");
              attrs = new TreeMap<>();
            }
            Attribute a = attribute(rs);
            attrs.put(a.name(), a);
          }
          if (attrs != null) {
            out.add(new EntityTags(entity, key, attrs));
          }
        }
        return out.stream();
      }
    });
  }

  @Override
  public Stream<ListEntry> allListEntries() {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "select list_name, value, reason, expires_at, added_at from list_entries"
              + " where expires_at is null or expires_at > ? order by list_name, value")) {
        ps.setTimestamp(1, Timestamp.from(clock.instant()));
        return listEntries(ps).stream();
      }
    });
  }

  @Override
  public int entityCount() {
    return read(c -> {
      try (PreparedStatement ps = c.prepareStatement("select count(*) from (select distinct entity, entity_key from tag_values) t");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return (int) Math.min(Integer.MAX_VALUE, rs.getLong(1));
      }
    });
  }

  @Override
  public void close() {
    pool.close();
  }

  // ------------------------------------------------------------------ values

  static String kind(Object v) {
    return switch (v) {
      case Long l -> "long";
      case Double d -> "double";
      case Boolean b -> "boolean";
      case Set<?> s -> "set";
      default -> "string";
    };
  }

  static String encode(Object v) {
    if (v instanceof Set<?> set) {
      StringWriter w = new StringWriter();
      try (JsonGenerator g = JSON.createGenerator(w)) {
        g.writeStartArray();
        for (String s : set.stream().map(String::valueOf).sorted().toList()) {
          g.writeString(s);
        }
        g.writeEndArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return w.toString();
    }
    return v.toString();
  }

  static Object decode(String kind, String text) {
    return switch (kind) {
      case "long" -> Long.parseLong(text);
      case "double" -> Double.parseDouble(text);
      case "boolean" -> Boolean.parseBoolean(text);
      case "set" -> {
        Set<String> set = new LinkedHashSet<>();
        try (JsonParser p = JSON.createParser(text)) {
          if (p.nextToken() == JsonToken.START_ARRAY) {
            while (p.nextToken() == JsonToken.VALUE_STRING) {
              set.add(p.getText());
            }
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        yield set;
      }
      default -> text;
    };
  }

}
