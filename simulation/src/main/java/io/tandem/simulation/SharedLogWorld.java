package io.tandem.simulation;

import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.configserver.store.ChangeLog;
import io.tandem.configserver.store.ConfigStore;
import io.tandem.configserver.store.StaleHeadException;
import io.tandem.configserver.store.StoreLock;
import io.tandem.configserver.store.WriteRefusedException;
import io.tandem.protocol.sharedlog.WriteOutcome;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Config Servers over one replicated log, as they run over etcd: each replica is the real
 * {@link ConfigStore} (validation, the retry after a lost race, the apply of what memory does not
 * hold yet) over {@link Replica}, a model of etcd's head-guarded transaction whose answers can be
 * lost (a leader change), refused (quorum lost), and whose followers lag (a frozen process) or
 * start again from the log (a crash). A seed draws the schedule; every step checks that the log's
 * event ids are gap-free and unique, that each replica holds exactly the log's events under the
 * same ids, and that every acknowledged write is in the log once, as acknowledged.
 */
final class SharedLogWorld {
  private static final int REPLICAS = 2;
  private static final int STEPS = 120;
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  private final Random random;
  private final Mutant mutant;
  /** The log as etcd holds it: every committed request, in order. */
  private final List<List<ChangeEvent>> entries = new ArrayList<>();
  /** The log's events, flattened: event id N is at index N - 1 while the log is sound. */
  private final List<ChangeEvent> events = new ArrayList<>();
  /** The head key. */
  private long head;
  private boolean quorum = true;
  private boolean loseNextAnswer;
  private final List<Replica> replicas = new ArrayList<>();
  /** Every acknowledged write: its event id and the object as acknowledged. */
  private final Map<Long, ConfigObject> acknowledged = new HashMap<>();
  private int nextAgent;
  private int step;
  private Invariants.Violation violation;

  SharedLogWorld(long seed, Mutant mutant) {
    this.random = new Random(seed * 0x9E3779B97F4A7C15L + 3);
    this.mutant = mutant;
  }

  /** Runs the schedule; the first violation, or null. */
  Invariants.Violation run() {
    try {
      for (int i = 0; i < REPLICAS; i++) {
        replicas.add(new Replica(i));
      }
      for (Replica replica : replicas) {
        replica.start();
      }
      for (step = 1; step <= STEPS && violation == null; step++) {
        act();
        check();
      }
      if (violation == null) {
        quorum = true;
        for (Replica replica : replicas) {
          replica.frozen = false;
          replica.deliver(Integer.MAX_VALUE);
        }
        check();
        settled();
      }
      return violation;
    } finally {
      for (Replica replica : replicas) {
        replica.stop();
      }
    }
  }

  private void act() {
    int draw = random.nextInt(100);
    Replica replica = replicas.get(random.nextInt(replicas.size()));
    if (draw < 45) {
      write(replica);
    } else if (draw < 80) {
      replica.deliver(1 + random.nextInt(3));
    } else if (draw < 86) {
      replica.frozen = !replica.frozen;
    } else if (draw < 90) {
      replica.restart();
    } else if (draw < 95) {
      loseNextAnswer = true;
    } else {
      quorum = !quorum;
    }
  }

  private void write(Replica replica) {
    if (replica.frozen) {
      return; // a frozen process answers nobody
    }
    List<ConfigObject> known = replica.store.list(Set.of(ObjectType.AGENT)).objects();
    try {
      ConfigStore.Written written;
      if (!known.isEmpty() && random.nextBoolean()) {
        ConfigObject seen = known.get(random.nextInt(known.size()));
        written = replica.store.update(agent(seen.getName(), "E" + step), seen.getVersion());
      } else {
        written = replica.store.create(agent("agent-" + nextAgent++, "E" + step));
      }
      if (acknowledged.put(written.eventId(), written.object()) != null) {
        violate(Invariant.ACKNOWLEDGED_CHANGES_APPLIED_ONCE, "event id " + written.eventId() + " acknowledged twice");
      }
    } catch (WriteRefusedException refused) {
      // Refused (a stale version, no quorum): nothing acknowledged, nothing to check.
    }
  }

  private static ConfigObject agent(String name, String employeeId) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name)
        .setAgent(Agent.newBuilder().setEmployeeId(employeeId)).build();
  }

  private void check() {
    for (int i = 0; i < events.size() && violation == null; i++) {
      if (events.get(i).getEventId() != i + 1) {
        violate(Invariant.IDENTICAL_EVENT_IDS_EVERYWHERE, "the log holds event " + events.get(i).getEventId()
            + " where event " + (i + 1) + " belongs: ids are given twice or skipped");
      }
    }
    for (Replica replica : replicas) {
      if (violation != null) {
        return;
      }
      if (replica.broken != null) {
        violate(Invariant.IDENTICAL_EVENT_IDS_EVERYWHERE, "replica " + replica.index + " could not apply the log: "
            + replica.broken);
        return;
      }
      for (ChangeEvent held : replica.store.history().events()) {
        long id = held.getEventId();
        if (id > events.size() || !events.get((int) id - 1).equals(held)) {
          violate(Invariant.IDENTICAL_EVENT_IDS_EVERYWHERE, "replica " + replica.index + " holds event " + id
              + " unlike the log's");
          return;
        }
      }
    }
    for (Map.Entry<Long, ConfigObject> write : acknowledged.entrySet()) {
      long id = write.getKey();
      if (id > events.size() || !events.get((int) id - 1).getObject().equals(write.getValue())) {
        violate(Invariant.ACKNOWLEDGED_CHANGES_APPLIED_ONCE, "the write acknowledged as event " + id
            + " is not the log's event " + id);
        return;
      }
    }
  }

  /** Once every replica has followed the whole log, each serves what the log holds. */
  private void settled() {
    for (Replica replica : replicas) {
      if (violation == null && replica.store.head() != head) {
        violate(Invariant.IDENTICAL_EVENT_IDS_EVERYWHERE, "replica " + replica.index + " settled at event "
            + replica.store.head() + ", the log at " + head);
      }
    }
  }

  private void violate(Invariant invariant, String detail) {
    if (violation == null) {
      violation = new Invariants.Violation(invariant, 0, step, "shared log: " + detail);
    }
  }

  /** One Config Server process over the log: the real store, over a model of the etcd log. */
  private final class Replica implements ChangeLog {
    final int index;
    ConfigStore store;
    ChangeLog.Memory memory;
    /** Log entries this process's follower has brought into memory. */
    int delivered;
    boolean frozen;
    String broken;

    Replica(int index) {
      this.index = index;
    }

    void start() {
      StoreLock lock = new StoreLock();
      store = new ConfigStore(new ConfigServerSettings(Path.of("unused"), null, false, "confserv", false,
          ConfigServerSettings.DEFAULT_CHECKPOINT_AFTER, null), CLOCK, lock, this);
      try {
        store.start();
      } catch (IOException e) {
        throw new IllegalStateException("a simulated log cannot fail to open", e);
      }
    }

    /** A crash and a start: memory is what the log holds. */
    void restart() {
      stop();
      frozen = false;
      broken = null;
      start();
    }

    void stop() {
      if (store != null) {
        try {
          store.stop();
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
    }

    /** The follower brings up to {@code count} more log entries into memory. */
    void deliver(int count) {
      for (int i = 0; i < count && !frozen && delivered < entries.size() && broken == null; i++) {
        try {
          memory.follow(entries.get(delivered++));
        } catch (WriteRefusedException cannotApply) {
          return; // memoryBehind said why: the next check reports it
        }
      }
    }

    @Override
    public void open(Memory memory) {
      this.memory = memory;
      for (List<ChangeEvent> entry : entries) {
        entry.forEach(memory::replay);
      }
      delivered = entries.size();
    }

    /** etcd's transaction, and what the store's log concludes from its answer ({@link WriteOutcome}). */
    @Override
    public void append(List<ChangeEvent> request) {
      if (!quorum) {
        throw new WriteRefusedException(WriteRefusedException.Reason.NOT_DURABLE, "etcd has no quorum");
      }
      long first = request.get(0).getEventId();
      long last = request.get(request.size() - 1).getEventId();
      boolean held = mutant.skipsHeadCompare() || head == first - 1;
      if (held) {
        entries.add(request);
        events.addAll(request);
        head = last;
        if (!loseNextAnswer) {
          return;
        }
        // The answer is lost: the follower may bring the entry in before the write is tried again.
        loseNextAnswer = false;
        if (random.nextBoolean()) {
          deliver(Integer.MAX_VALUE);
        }
      }
      boolean compareHeldNow = !held && mutant.skipsHeadCompare();
      WriteOutcome outcome = WriteOutcome.of(compareHeldNow, head, last,
          () -> request.equals(entryAt(first)));
      if (outcome == WriteOutcome.LOST_THE_RACE) {
        deliver(Integer.MAX_VALUE); // the follower catches up before the request is validated again
        throw new StaleHeadException(head);
      }
    }

    private List<ChangeEvent> entryAt(long first) {
      return entries.stream().filter(e -> e.get(0).getEventId() == first).findFirst().orElse(List.of());
    }

    @Override
    public OptionalLong sharedHead() {
      if (!quorum) {
        throw new WriteRefusedException(WriteRefusedException.Reason.NOT_DURABLE, "etcd has no quorum");
      }
      return OptionalLong.of(head);
    }

    /** The model's follower delivers when the schedule says so, never while a request waits. */
    @Override
    public Duration catchUpLimit() {
      return Duration.ZERO;
    }

    @Override
    public WriteRefusedException memoryBehind(RuntimeException cause) {
      broken = String.valueOf(cause.getMessage());
      return new WriteRefusedException(WriteRefusedException.Reason.NOT_DURABLE, broken);
    }

    @Override
    public void checkpointIfDue(long checkpointSize, Supplier<JournalCheckpoint> content) {
      // The model keeps its whole log: a checkpoint changes nothing it checks.
    }

    @Override
    public void stopping() {}

    @Override
    public void close(LongSupplier checkpointSize, Supplier<JournalCheckpoint> content) {}
  }
}
