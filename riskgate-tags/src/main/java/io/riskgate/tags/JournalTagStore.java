package io.riskgate.tags;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.riskgate.lang.TagView;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Tags and lists in memory, made durable by a journal of changes (JSON lines, synced before each
 * change is acknowledged). The journal doubles as the audit trail. A torn last line, left by a
 * crash in the middle of a write, is dropped at start; any other unreadable line stops the start.
 */
final class JournalTagStore implements TagStore {
  static final String FILE = "tags-journal.jsonl";
  private static final int AUDIT_IN_MEMORY = 10_000;
  private static final JsonFactory JSON = new JsonFactory();

  /** The attributes of one entity, with a ready view when none of them expires. */
  private record Entity(Map<String, Attribute> attributes, Optional<TagView> view) {
    static Entity of(Map<String, Attribute> attributes) {
      boolean expiring = attributes.values().stream().anyMatch(a -> a.expiresAt().isPresent());
      return new Entity(Map.copyOf(attributes), expiring ? Optional.empty() : Optional.of(viewOf(attributes, null)));
    }
  }

  private final Clock clock;
  private final Optional<FileChannel> journal;
  private final ConcurrentHashMap<String, Entity> entities = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ConcurrentSkipListMap<String, ListEntry>> lists = new ConcurrentHashMap<>();
  private final Deque<AuditRecord> audit = new ArrayDeque<>();
  private long seq;
  /** Within a batch: writes are synced once at its end. */
  private boolean deferSync;
  /** A failed write could not be cut off the journal: no more writes until a restart. */
  private boolean broken;

  private JournalTagStore(Clock clock, Optional<FileChannel> journal) {
    this.clock = clock;
    this.journal = journal;
  }

  static JournalTagStore open(Optional<Path> dir, Clock clock) {
    if (dir.isEmpty()) {
      return new JournalTagStore(clock, Optional.empty());
    }
    Path file = dir.get().resolve(FILE);
    FileChannel ch = null;
    try {
      Files.createDirectories(dir.get());
      ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      // one process per journal: a second one would truncate and overwrite the first one's lines
      if (ch.tryLock() == null) {
        throw new TagStoreException("the tag journal " + file + " is in use by another process", null);
      }
      JournalTagStore store = new JournalTagStore(clock, Optional.empty());
      long validBytes = store.replay(file);
      ch.truncate(validBytes);
      ch.position(validBytes);
      ch.force(true);
      try (FileChannel d = FileChannel.open(dir.get(), StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        // some file systems cannot sync a folder
      }
      JournalTagStore opened = new JournalTagStore(clock, Optional.of(ch));
      opened.entities.putAll(store.entities);
      opened.lists.putAll(store.lists);
      opened.audit.addAll(store.audit);
      opened.seq = store.seq;
      return opened;
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof TagStoreException t) {
        throw t;
      }
      throw new TagStoreException("cannot open the tag journal " + file + ": " + e.getMessage(), e);
    }
  }

  // ------------------------------------------------------------------ lookups (engine side)

  @Override
  public TagView lookup(String entity, String key) {
    Entity e = entities.get(id(entity, key));
    if (e == null) {
      return TagView.empty();
    }
    return e.view().orElseGet(() -> viewOf(e.attributes(), clock.instant()));
  }

  private static TagView viewOf(Map<String, Attribute> attributes, Instant now) {
    Map<String, Object> values = new HashMap<>();
    for (Attribute a : attributes.values()) {
      if (now == null || a.liveAt(now)) {
        values.put(a.name(), a.value());
      }
    }
    return TagView.of(values);
  }

  @Override
  public boolean contains(String list, String value) {
    Map<String, ListEntry> entries = lists.get(list);
    if (entries == null) {
      return false;
    }
    ListEntry e = entries.get(value);
    return e != null && e.liveAt(clock.instant());
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Map<String, Attribute> tags(String entity, String key) {
    Entity e = entities.get(id(entity, key));
    if (e == null) {
      return Map.of();
    }
    Instant now = clock.instant();
    Map<String, Attribute> out = new LinkedHashMap<>();
    e.attributes().values().stream().filter(a -> a.liveAt(now))
        .sorted(java.util.Comparator.comparing(Attribute::name)).forEach(a -> out.put(a.name(), a));
    return out;
  }

  @Override
  public List<ListEntry> listEntries(String list, int limit) {
    Map<String, ListEntry> entries = lists.get(list);
    if (entries == null) {
      return List.of();
    }
    Instant now = clock.instant();
    return entries.values().stream().filter(e -> e.liveAt(now)).limit(limit).toList();
  }

  @Override
  public synchronized List<AuditRecord> audit(int limit) {
    List<AuditRecord> out = new ArrayList<>();
    var it = audit.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      out.add(it.next());
    }
    return out;
  }

  @Override
  public synchronized void batch(Runnable changes) {
    if (deferSync) {
      changes.run();
      return;
    }
    deferSync = true;
    try {
      changes.run();
    } finally {
      deferSync = false;
      if (journal.isPresent()) {
        try {
          journal.get().force(false);
        } catch (IOException e) {
          throw new TagStoreException("cannot sync the tag journal: " + e.getMessage(), e);
        }
      }
    }
  }

  @Override
  public java.util.stream.Stream<EntityTags> entities() {
    Instant now = clock.instant();
    return entities.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> {
          int sep = e.getKey().indexOf('\u0000');
          Map<String, Attribute> live = new java.util.TreeMap<>();
          e.getValue().attributes().values().stream().filter(a -> a.liveAt(now)).forEach(a -> live.put(a.name(), a));
          return new EntityTags(e.getKey().substring(0, sep), e.getKey().substring(sep + 1), live);
        })
        .filter(t -> !t.attributes().isEmpty());
  }

  @Override
  public java.util.stream.Stream<ListEntry> allListEntries() {
    Instant now = clock.instant();
    return new java.util.TreeMap<>(lists).values().stream()
        .flatMap(m -> m.values().stream())
        .filter(e -> e.liveAt(now));
  }

  @Override
  public int entityCount() {
    return entities.size();
  }

  // ------------------------------------------------------------------ changes

  @Override
  public synchronized void putTags(String entity, String key, Map<String, Attribute> attributes, Change change) {
    if (attributes.isEmpty()) {
      throw new IllegalArgumentException("no attributes to set");
    }
    Instant at = clock.instant();
    write(change, at, "tags_set", g -> {
      g.writeStringField("entity", entity);
      g.writeStringField("key", key);
      g.writeObjectFieldStart("attrs");
      for (Attribute a : attributes.values()) {
        g.writeFieldName(a.name());
        writeAttribute(g, a);
      }
      g.writeEndObject();
    });
    applyPut(entity, key, attributes.values());
    record(at, change, "tags_set", entity + ":" + key);
  }

  @Override
  public synchronized boolean deleteTags(String entity, String key, Optional<String> attribute, Change change) {
    Entity e = entities.get(id(entity, key));
    if (e == null || attribute.isPresent() && !e.attributes().containsKey(attribute.get())) {
      return false;
    }
    Instant at = clock.instant();
    write(change, at, "tags_deleted", g -> {
      g.writeStringField("entity", entity);
      g.writeStringField("key", key);
      if (attribute.isPresent()) {
        g.writeStringField("attr", attribute.get());
      }
    });
    applyDelete(entity, key, attribute);
    record(at, change, "tags_deleted", entity + ":" + key + attribute.map(a -> "." + a).orElse(""));
    return true;
  }

  @Override
  public synchronized void addListEntry(ListEntry entry, Change change) {
    Instant at = clock.instant();
    write(change, at, "list_added", g -> {
      g.writeStringField("list", entry.list());
      g.writeStringField("value", entry.value());
      g.writeStringField("entry_reason", entry.reason());
      g.writeStringField("added_at", entry.addedAt().toString());
      if (entry.expiresAt().isPresent()) {
        g.writeStringField("exp", entry.expiresAt().get().toString());
      }
    });
    lists.computeIfAbsent(entry.list(), l -> new ConcurrentSkipListMap<>()).put(entry.value(), entry);
    record(at, change, "list_added", entry.list() + ":" + entry.value());
  }

  @Override
  public synchronized boolean removeListEntry(String list, String value, Change change) {
    Map<String, ListEntry> entries = lists.get(list);
    if (entries == null || !entries.containsKey(value)) {
      return false;
    }
    Instant at = clock.instant();
    write(change, at, "list_removed", g -> {
      g.writeStringField("list", list);
      g.writeStringField("value", value);
    });
    entries.remove(value);
    record(at, change, "list_removed", list + ":" + value);
    return true;
  }

  private void applyPut(String entity, String key, Iterable<Attribute> attributes) {
    entities.compute(id(entity, key), (k, old) -> {
      Map<String, Attribute> merged = old == null ? new HashMap<>() : new HashMap<>(old.attributes());
      for (Attribute a : attributes) {
        merged.put(a.name(), a);
      }
      return Entity.of(merged);
    });
  }

  private void applyDelete(String entity, String key, Optional<String> attribute) {
    entities.computeIfPresent(id(entity, key), (k, old) -> {
      if (attribute.isEmpty()) {
        return null;
      }
      Map<String, Attribute> rest = new HashMap<>(old.attributes());
      rest.remove(attribute.get());
      return rest.isEmpty() ? null : Entity.of(rest);
    });
  }

  private void record(Instant at, Change change, String action, String target) {
    audit.addLast(new AuditRecord(seq, at, change.actor(), action, target, change.reason()));
    if (audit.size() > AUDIT_IN_MEMORY) {
      audit.removeFirst();
    }
  }

  private static String id(String entity, String key) {
    return entity + '\u0000' + key;
  }

  // ------------------------------------------------------------------ journal

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private void write(Change change, Instant at, String op, Body body) {
    long next = seq + 1;
    if (journal.isEmpty()) {
      seq = next;
      return;
    }
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("seq", next);
      g.writeStringField("at", at.toString());
      g.writeStringField("op", op);
      g.writeStringField("actor", change.actor());
      g.writeStringField("reason", change.reason());
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new TagStoreException("cannot encode a change", e);
    }
    if (broken) {
      throw new TagStoreException("the tag journal could not be repaired after a failed write; restart the engine", null);
    }
    byte[] line = (out + "\n").getBytes(StandardCharsets.UTF_8);
    FileChannel ch = journal.get();
    long before = -1;
    try {
      before = ch.position();
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      if (!deferSync) {
        ch.force(false);
      }
    } catch (IOException e) {
      // cut the partial line off, so that the next change does not land on it
      try {
        if (before >= 0) {
          ch.truncate(before);
          ch.position(before);
          ch.force(false);
        }
      } catch (IOException repair) {
        broken = true;
      }
      throw new TagStoreException("cannot write the tag journal: " + e.getMessage(), e);
    }
    seq = next;
  }

  private static void writeAttribute(JsonGenerator g, Attribute a) throws IOException {
    g.writeStartObject();
    TagValueJson.writeFields(g, a.value());
    if (a.expiresAt().isPresent()) {
      g.writeStringField("exp", a.expiresAt().get().toString());
    }
    g.writeStringField("src", a.source());
    g.writeStringField("at", a.updatedAt().toString());
    g.writeEndObject();
  }

  /**
   * Replays the journal; returns the length of its valid part. A last line without its line break
   * is torn: its change was never acknowledged, so it is cut off. Any unreadable complete line
   * stops the start. The journal is read whole: compaction is not done yet, see the operations
   * guide.
   */
  private long replay(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    byte[] bytes = Files.readAllBytes(file);
    int start = 0;
    int lineNo = 0;
    while (start < bytes.length) {
      int end = start;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      if (end == bytes.length) {
        return start; // no line break: torn
      }
      lineNo++;
      String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      try {
        applyLine(line);
      } catch (IOException | RuntimeException e) {
        throw new TagStoreException(file + ":" + lineNo + ": unreadable journal line (" + e.getMessage() + ")", e);
      }
      start = end + 1;
    }
    return start;
  }

  private void applyLine(String line) throws IOException {
    Map<String, Object> f = new HashMap<>();
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        if (name.equals("attrs")) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String attr = p.currentName();
            p.nextToken();
            attrs.put(attr, readAttribute(p, attr));
          }
        } else if (t == JsonToken.VALUE_NUMBER_INT) {
          f.put(name, p.getLongValue());
        } else {
          f.put(name, p.getText());
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new IOException("truncated");
      }
    }
    long lineSeq = (Long) f.get("seq");
    Instant at = Instant.parse((String) f.get("at"));
    Change change = new Change((String) f.get("actor"), (String) f.get("reason"));
    String op = (String) f.get("op");
    switch (op) {
      case "tags_set" -> {
        applyPut((String) f.get("entity"), (String) f.get("key"), attrs.values());
        seq = lineSeq;
        record(at, change, op, f.get("entity") + ":" + f.get("key"));
      }
      case "tags_deleted" -> {
        Optional<String> attr = Optional.ofNullable((String) f.get("attr"));
        applyDelete((String) f.get("entity"), (String) f.get("key"), attr);
        seq = lineSeq;
        record(at, change, op, f.get("entity") + ":" + f.get("key") + attr.map(a -> "." + a).orElse(""));
      }
      case "list_added" -> {
        ListEntry e = new ListEntry((String) f.get("list"), (String) f.get("value"),
            Optional.ofNullable((String) f.get("exp")).map(Instant::parse), (String) f.get("entry_reason"),
            Instant.parse((String) f.get("added_at")));
        lists.computeIfAbsent(e.list(), l -> new ConcurrentSkipListMap<>()).put(e.value(), e);
        seq = lineSeq;
        record(at, change, op, e.list() + ":" + e.value());
      }
      case "list_removed" -> {
        Map<String, ListEntry> entries = lists.get((String) f.get("list"));
        if (entries != null) {
          entries.remove((String) f.get("value"));
        }
        seq = lineSeq;
        record(at, change, op, f.get("list") + ":" + f.get("value"));
      }
      default -> throw new IOException("unknown operation " + op);
    }
  }

  private static Attribute readAttribute(JsonParser p, String name) throws IOException {
    String type = null;
    Object value = null;
    String exp = null;
    String src = "";
    String at = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "t" -> type = p.getText();
        case "v" -> value = TagValueJson.readValue(p, t);
        case "exp" -> exp = p.getText();
        case "src" -> src = p.getText();
        case "at" -> at = p.getText();
        default -> p.skipChildren();
      }
    }
    if (value == null || at == null) {
      throw new IOException("attribute " + name + " is incomplete");
    }
    return new Attribute(name, TagValueJson.typed(type, value), Optional.ofNullable(exp).map(Instant::parse), src, Instant.parse(at));
  }

  @Override
  public synchronized void close() {
    if (journal.isPresent()) {
      try {
        journal.get().close();
      } catch (IOException e) {
        throw new TagStoreException("cannot close the tag journal", e);
      }
    }
  }
}
