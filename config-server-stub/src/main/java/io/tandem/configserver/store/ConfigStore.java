package io.tandem.configserver.store;

import static io.tandem.configserver.store.ObjectValidator.describe;
import static io.tandem.configserver.store.ObjectValidator.invalid;

import com.google.protobuf.util.Timestamps;
import io.tandem.common.bootstrap.ManagedService;
import io.tandem.common.config.ConfigYaml;
import io.tandem.common.config.Names;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.protocol.history.HistoryLog;
import io.tandem.configserver.journal.Disk;
import io.tandem.configserver.store.WriteRefusedException.Reason;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration database's facade: it owns the lock, validates every write, and hands it to
 * its {@link ChangeLog} (the journal on disk, or a log in etcd shared by several Config Servers) and then to
 * {@link StoreContents}
 * (the objects, head and history log in memory, also what recovery puts back).
 *
 * <p>Every write is validated, given the next event id, written to the journal, and only then
 * applied in memory and acknowledged; listeners hear of it after the lock is released. Reads
 * copy what they need under the lock and never hold it while streaming.
 */
public final class ConfigStore implements ManagedService {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);
  /** The object types, in the order listings return them (agents before the groups naming them). */
  public static final Set<ObjectType> TYPES =
      Collections.unmodifiableSet(EnumSet.of(ObjectType.APPLICATION, ObjectType.AGENT, ObjectType.AGENT_GROUP, ObjectType.QUEUE));

  private final ConfigServerSettings settings;
  private final Clock clock;
  private final StoreLock lock;
  private final StoreContents contents;
  private final ObjectTable table;
  private final HistoryLog history;
  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private final ChangeLog log;
  /** Changes committed under the lock and not yet told to the listeners (told once it is released). */
  private final List<ChangeEvent> untold = new ArrayList<>();
  private final NonconformingObjects nonconforming;

  /** A consistent listing: the objects as of {@code eventId}. */
  public record Listing(List<ConfigObject> objects, long eventId) {}

  /** A listing for a snapshot: the objects with their encodings, consistent at {@code eventId}. */
  public record EncodedListing(List<StoredObject> objects, long eventId) {}

  /** The outcome of a single-object write. */
  public record Written(ConfigObject object, long eventId) {}

  /** The outcome of {@link #apply}. */
  public record Applied(int created, int updated, int unchanged, long headEventId) {}

  /** History log figures for operators. */
  public record HistoryFigures(long oldestRetained, long head, long records, long maxRecords, Duration expiration,
      long objects) {}

  /** A store over the journal in {@code settings}' data directory. */
  public ConfigStore(ConfigServerSettings settings, Clock clock, Disk disk) {
    this(settings, clock, new StoreLock(), disk);
  }

  private ConfigStore(ConfigServerSettings settings, Clock clock, StoreLock lock, Disk disk) {
    this(settings, clock, lock, new Durability(settings, disk, lock));
  }

  @Inject
  public ConfigStore(ConfigServerSettings settings, Clock clock, StoreLock lock, ChangeLog log) {
    this.settings = settings;
    this.lock = lock;
    this.clock = clock;
    this.log = log;
    this.contents = new StoreContents(settings.application(), clock);
    this.table = contents.table();
    this.history = contents.history();
    this.nonconforming = new NonconformingObjects(table);
  }

  /** {@code forced} is told how long each journal append's fsync took (ns); set before {@link #start}. */
  public void onJournalForce(LongConsumer forced) {
    if (log instanceof Durability journal) {
      journal.onJournalForce(forced);
    }
  }

  public void addListener(ChangeListener listener) {
    listeners.add(listener);
  }

  @Override
  public void start() throws IOException {
    log.open(new ChangeLog.Memory() {
      @Override
      public void restore(io.tandem.configserver.journal.format.JournalCheckpoint checkpoint) {
        contents.restore(checkpoint);
      }

      @Override
      public void replay(ChangeEvent event) {
        contents.replay(event);
      }

      @Override
      public void follow(List<ChangeEvent> request) {
        ConfigStore.this.follow(request);
      }

      @Override
      public long head() {
        return ConfigStore.this.head();
      }
    });
    if (contents.head() == 0 && settings.bootstrap() != null) {
      loadBootstrap();
    }
    if (settings.emptyHistory()) {
      expireHistory("started with --empty-history");
    }
    synchronized (lock) {
      nonconforming.findAll();
    }
  }

  @Override
  public void stop() throws IOException, InterruptedException {
    synchronized (lock) {
      log.stopping();
    }
    log.close(contents::checkpointSize, contents::checkpointContent);
  }

  @Override
  public String name() {
    return "configuration store";
  }

  /** Drops what the history log's expiration no longer keeps ({@link HistoryPurge} calls it every second). */
  public void purgeExpired() {
    contents.purgeExpired();
  }

  public HistoryLog history() {
    return history;
  }

  /** Option confserv/progress-interval in force. */
  public Duration progressInterval() {
    return contents.progressInterval();
  }

  public long head() {
    synchronized (lock) {
      return contents.head();
    }
  }

  /** Whether an Application of that name is in the store; without the store's lock (every call asks it). */
  public boolean isApplication(String name) {
    return contents.isApplication(name);
  }

  public Optional<ConfigObject> get(ObjectType type, String name) {
    synchronized (lock) {
      return Optional.ofNullable(table.get(type, name));
    }
  }

  /** Objects of {@code types} (every type when empty), consistent at the returned event id. */
  public Listing list(Set<ObjectType> types) {
    Set<ObjectType> wanted = types.isEmpty() ? TYPES : types;
    synchronized (lock) {
      return new Listing(table.list(wanted), contents.head());
    }
  }

  /** As {@link #list}, each object with its encoding (made once, kept with it). */
  public EncodedListing listEncoded(Set<ObjectType> types) {
    Set<ObjectType> wanted = types.isEmpty() ? TYPES : types;
    synchronized (lock) {
      return new EncodedListing(table.listStored(wanted), contents.head());
    }
  }

  /** How many stored objects break today's limits or rules (written before them, each named at start); lock-free. */
  public int nonconformingObjects() {
    return nonconforming.count();
  }

  public HistoryFigures figures() {
    synchronized (lock) {
      return new HistoryFigures(history.oldestRetained(), contents.head(), history.records(), history.maxRecords(),
          history.expiration(), table.size());
    }
  }

  // ---- writes ------------------------------------------------------------------------------

  public Written create(ConfigObject object) {
    return write(() -> {
      ConfigObject valid = validated(List.of(object), i -> "object", table::contains).get(0);
      if (table.contains(valid.getType(), valid.getName())) {
        throw invalid("object.name: " + describe(valid.getType(), valid.getName()) + " already exists");
      }
      ConfigObject stored = valid.toBuilder().setDbid(table.maxDbid() + 1).setVersion(1).build();
      return new Written(stored, commit(List.of(event(ChangeKind.CREATED, stored, contents.head() + 1))));
    });
  }

  public Written update(ConfigObject object, long expectedVersion) {
    return write(() -> {
      if (expectedVersion <= 0) {
        throw invalid("expected_version: must be set to the version the update is based on");
      }
      ConfigObject valid = validated(List.of(object), i -> "object", table::contains).get(0);
      ConfigObject existing = existing(valid.getType(), valid.getName());
      checkVersion(existing, expectedVersion);
      ConfigObject stored = valid.toBuilder().setDbid(existing.getDbid()).setVersion(existing.getVersion() + 1).build();
      return new Written(stored, commit(List.of(event(ChangeKind.UPDATED, stored, contents.head() + 1))));
    });
  }

  /** Deletes; {@code expectedVersion} 0 means any version. */
  public Written delete(ObjectType type, String name, long expectedVersion) {
    return write(() -> {
      if (!TYPES.contains(type)) {
        throw invalid("type: unknown type " + type);
      }
      ConfigObject existing = existing(type, name);
      if (expectedVersion != 0) {
        checkVersion(existing, expectedVersion);
      }
      List<String> referrers = table.referrers(existing);
      if (!referrers.isEmpty()) {
        throw new WriteRefusedException(Reason.IN_USE,
            describe(type, name) + " is still referred to by " + String.join(", ", referrers));
      }
      return new Written(existing, commit(List.of(event(ChangeKind.DELETED, existing, contents.head() + 1))));
    });
  }

  /** Sets or removes one option of an Application; no event when nothing changes. */
  public Written setOption(String application, String section, String key, String value, boolean remove) {
    Names.problem(section).ifPresent(problem -> {
      throw invalid("section: " + problem);
    });
    Names.problem(key).ifPresent(problem -> {
      throw invalid("key: " + problem);
    });
    if (!remove) {
      ObjectValidator.optionValueProblem(value).ifPresent(problem -> {
        throw invalid("value: the value of option " + section + "/" + key + " " + problem);
      });
    }
    return write(() -> {
      ConfigObject existing = existing(ObjectType.APPLICATION, application);
      Application app = existing.getApplication();
      Map<String, String> values = new HashMap<>(
          app.getOptionsOrDefault(section, OptionSection.getDefaultInstance()).getValuesMap());
      boolean changed = remove ? values.remove(key) != null : !value.equals(values.put(key, value));
      if (!changed) {
        return new Written(existing, contents.head());
      }
      Application.Builder updated = app.toBuilder();
      if (values.isEmpty()) {
        updated.removeOptions(section);
      } else {
        updated.putOptions(section, OptionSection.newBuilder().putAllValues(values).build());
      }
      ConfigObject valid = validated(List.of(existing.toBuilder().setApplication(updated).build()),
          i -> "option " + section + "/" + key, table::contains).get(0);
      ConfigObject stored = valid.toBuilder().setVersion(existing.getVersion() + 1).build();
      return new Written(stored, commit(List.of(event(ChangeKind.UPDATED, stored, contents.head() + 1))));
    });
  }

  /**
   * Creates or replaces every object, all or nothing. References may point at objects of the
   * same request; objects are written referenced-first so no change ever names a missing object.
   */
  public Applied apply(List<ConfigObject> objects) {
    if (objects.isEmpty()) {
      throw invalid("objects: no objects to apply");
    }
    return write(() -> {
      Map<ObjectType, Set<String>> inRequest = new EnumMap<>(ObjectType.class);
      for (int i = 0; i < objects.size(); i++) {
        ConfigObject o = objects.get(i);
        if (TYPES.contains(o.getType()) && !inRequest.computeIfAbsent(o.getType(), t -> new HashSet<>()).add(o.getName())) {
          throw invalid("objects[" + i + "].name: " + describe(o.getType(), o.getName()) + " appears twice in the request");
        }
      }
      ObjectValidator.KnownObjects names = (type, name) -> table.contains(type, name)
          || inRequest.getOrDefault(type, Set.of()).contains(name);
      List<ConfigObject> valid = new ArrayList<>(validated(objects, i -> "objects[" + i + "]", names));
      valid.sort(Comparator.comparing(ConfigObject::getType)
          .thenComparing(o -> o.getType() == ObjectType.APPLICATION && !o.getApplication().getBackup().isEmpty()));
      List<ChangeEvent> events = new ArrayList<>();
      long nextDbid = table.maxDbid() + 1;
      int created = 0;
      int updated = 0;
      for (ConfigObject o : valid) {
        ConfigObject existing = table.get(o.getType(), o.getName());
        if (existing == null) {
          events.add(event(ChangeKind.CREATED, o.toBuilder().setDbid(nextDbid++).setVersion(1).build(),
              contents.head() + events.size() + 1));
          created++;
        } else {
          ConfigObject same = o.toBuilder().setDbid(existing.getDbid()).setVersion(existing.getVersion()).build();
          if (!same.equals(existing)) {
            events.add(event(ChangeKind.UPDATED, same.toBuilder().setVersion(existing.getVersion() + 1).build(),
                contents.head() + events.size() + 1));
            updated++;
          }
        }
      }
      long head = events.isEmpty() ? contents.head() : commit(events);
      return new Applied(created, updated, valid.size() - created - updated, head);
    });
  }

  /**
   * Empties the history log now, as a restart that loses history would: a HISTORY_RESET event
   * moves the head so that every position issued before it is unrestorable.
   */
  public HistoryFigures expireHistory(String reason) {
    write(() -> {
      int dropped = history.records();
      long at = commit(List.of(ChangeEvent.newBuilder().setEventId(contents.head() + 1).setKind(ChangeKind.HISTORY_RESET)
          .setTime(Timestamps.fromMillis(clock.millis())).build()));
      EventLog.emit(LOG, LogEvent.HISTORY_RESET, "reason", reason, "at_event", at, "records_dropped", dropped);
      return null;
    });
    return figures();
  }

  // ---- internals ---------------------------------------------------------------------------

  /**
   * The one check every write goes through — create, update, apply, set-option and the bootstrap
   * file — so that each is held to the same rules and limits: each object's own (including its
   * size, which every watch and snapshot must be able to carry), then the pairs applications
   * form. Returns the objects normalised, in order. Called with the lock held.
   *
   * <p>An object stored before today's limits and rules may break them: a write replacing it
   * may keep what it already breaks, no more (no new rule broken, nothing over a limit grown),
   * so that it can be repaired a step at a time — an option removed, a value shortened.
   *
   * @param path how the request names the {@code i}th object
   */
  private List<ConfigObject> validated(List<ConfigObject> written, IntFunction<String> path,
      ObjectValidator.KnownObjects names) {
    List<ConfigObject> valid = new ArrayList<>(written.size());
    for (int i = 0; i < written.size(); i++) {
      ObjectValidator.Checked checked = ObjectValidator.check(written.get(i), names);
      refuseAnythingNew(checked.object(), checked.violations(), path.apply(i));
      valid.add(checked.object());
    }
    PairingRule pairs = PairingRule.of(table.list(Set.of(ObjectType.APPLICATION)), valid);
    for (int i = 0; i < valid.size(); i++) {
      ConfigObject object = valid.get(i);
      refuseAnythingNew(object, pairs.violation(object).stream().toList(), path.apply(i));
    }
    return valid;
  }

  /** Refuses the first of {@code found} that the stored object {@code written} replaces did not already break as much. */
  private void refuseAnythingNew(ConfigObject written, List<Violation> found, String path) {
    if (found.isEmpty()) {
      return;
    }
    ConfigObject stored = table.get(written.getType(), written.getName());
    List<Violation> before = stored == null ? List.of() : nonconforming.of(stored);
    for (Violation violation : found) {
      if (before.stream().noneMatch(violation::keptFrom)) {
        throw invalid(violation.refusal(path));
      }
    }
  }

  private ConfigObject existing(ObjectType type, String name) {
    ConfigObject existing = table.get(type, name);
    if (existing == null) {
      throw new WriteRefusedException(Reason.NOT_FOUND, "no " + describe(type, name));
    }
    return existing;
  }

  private static void checkVersion(ConfigObject existing, long expectedVersion) {
    if (existing.getVersion() != expectedVersion) {
      throw new WriteRefusedException(Reason.STALE_VERSION, describe(existing.getType(), existing.getName())
          + " is at version " + existing.getVersion() + ", not " + expectedVersion + "; read it again and retry");
    }
  }

  private ChangeEvent event(ChangeKind kind, ConfigObject object, long eventId) {
    return ChangeEvent.newBuilder().setEventId(eventId).setKind(kind).setObject(object)
        .setTime(Timestamps.fromMillis(clock.millis())).build();
  }

  /**
   * Journal first, then memory. Called with the lock held. A request the journal refuses (disk
   * full, I/O error) leaves memory as it was and consumes no event id. Returns the request's last
   * event id.
   *
   * <p>A shared log may release the lock while it waits for etcd; when an attempt whose answer was
   * lost did commit, the follower may meanwhile have applied (and told the listeners) this very
   * request, and others after it: those events are not applied or told twice.
   */
  private long commit(List<ChangeEvent> events) {
    log.append(events);
    List<ChangeEvent> fresh = new ArrayList<>(events.size());
    try {
      for (ChangeEvent event : events) {
        if (event.getEventId() > contents.head()) {
          contents.replay(event);
          fresh.add(event);
        }
      }
    } catch (RuntimeException e) {
      throw log.memoryBehind(e);
    }
    untold.addAll(fresh);
    if (!fresh.isEmpty()) {
      nonconforming.recheck();
      log.checkpointIfDue(contents.checkpointSize(), contents::checkpointContent);
    }
    return events.get(events.size() - 1).getEventId();
  }

  /**
   * Runs one write under the lock and tells the listeners what it committed once the lock is
   * released. A write that lost the race to another Config Server on a shared log is validated
   * again once memory holds what that one committed: the rules it passed may no longer hold.
   */
  private <T> T write(java.util.function.Supplier<T> attempt) {
    T result;
    List<ChangeEvent> committed;
    synchronized (lock) {
      while (true) {
        try {
          result = attempt.get();
          break;
        } catch (StaleHeadException stale) {
          awaitHead(stale.head());
        }
      }
      committed = List.copyOf(untold);
      untold.clear();
    }
    notifyListeners(committed);
    return result;
  }

  /** Lock held. Waits (releasing it) until memory holds event {@code target}, which the log already does. */
  private void awaitHead(long target) {
    if (!caughtUp(target, System.nanoTime() + log.catchUpLimit().toNanos())) {
      throw new WriteRefusedException(Reason.NOT_DURABLE, "this Config Server has event " + contents.head()
          + " while the shared log is at " + target + " and has not caught up within " + log.catchUpLimit().toMillis()
          + " ms: nothing was written; retry, or write through another Config Server");
    }
  }

  /**
   * Lock held. Whether memory holds event {@code target} by {@code deadline} ({@code System.nanoTime});
   * waiting releases the lock.
   */
  private boolean caughtUp(long target, long deadline) {
    while (contents.head() < target) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      try {
        lock.wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new WriteRefusedException(Reason.NOT_DURABLE, "interrupted while catching up with the shared log");
      }
    }
    return true;
  }

  /**
   * Before a client's session resumes after {@code position}. On a shared log a client that comes
   * from another Config Server may stand ahead of what this one's memory holds yet; memory is
   * then given the time to catch up, so the client is not told its position is unknown
   * (HistoryLogExpired, a whole reload) when it is only early. Returns at once when memory holds
   * {@code position}, or when no process committed it (the position is then truly unknown).
   *
   * @throws WriteRefusedException NOT_DURABLE when the shared log cannot say its head, or memory
   *     does not catch up in time: the client should resume on another Config Server
   */
  public void catchUpTo(long position) {
    if (history.head() >= position) {
      return; // without the store's lock: a Watch never waits behind a write here
    }
    long deadline = System.nanoTime() + log.catchUpLimit().toNanos();
    OptionalLong shared = log.sharedHead();
    if (shared.isEmpty() || shared.getAsLong() < position) {
      return; // a journal only this process writes, or a position no process committed
    }
    synchronized (lock) {
      if (!caughtUp(position, deadline)) {
        throw new WriteRefusedException(Reason.NOT_DURABLE, "this Config Server is at event " + contents.head()
            + ", behind the shared log (" + shared.getAsLong() + ") and the requested position " + position
            + ", and has not caught up within " + log.catchUpLimit().toMillis() + " ms (reading the log's head"
            + " included): resume on another Config Server");
      }
    }
  }

  /**
   * The changes of one request another Config Server committed to the shared log: applied in
   * order after those memory holds, then told to the listeners; those memory already holds (its
   * own, applied when they were committed) are skipped.
   */
  private void follow(List<ChangeEvent> request) {
    List<ChangeEvent> applied = new ArrayList<>(request.size());
    synchronized (lock) {
      for (ChangeEvent event : request) {
        if (event.getEventId() > contents.head()) {
          try {
            contents.replay(event);
          } catch (RuntimeException e) {
            throw log.memoryBehind(e);
          }
          applied.add(event);
        }
      }
      if (!applied.isEmpty()) {
        nonconforming.recheck();
        lock.notifyAll();
      }
    }
    notifyListeners(applied);
  }

  private void loadBootstrap() throws IOException {
    long begin = System.nanoTime();
    List<ConfigObject> objects;
    try (Reader in = Files.newBufferedReader(settings.bootstrap())) {
      objects = ConfigYaml.readToApply(in, settings.bootstrap().toString());
    }
    Applied applied = apply(objects);
    EventLog.emit(LOG, LogEvent.BOOTSTRAP_LOADED, "file", settings.bootstrap(), "objects", applied.created(),
        "head", applied.headEventId(), "ms", (System.nanoTime() - begin) / 1_000_000);
  }

  private void notifyListeners(List<ChangeEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    for (ChangeListener listener : listeners) {
      listener.onCommitted(events);
    }
  }
}
