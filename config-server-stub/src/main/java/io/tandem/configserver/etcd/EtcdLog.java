package io.tandem.configserver.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.etcd.EtcdKv;
import io.tandem.common.bootstrap.FatalStop;
import io.tandem.common.grpc.Channels;
import io.tandem.common.security.ServerIdentity;
import io.tandem.common.security.TransportSecurity;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import io.tandem.configserver.journal.format.JournalRecord;
import io.tandem.configserver.settings.ConfigServerSettings;
import io.tandem.etcd.EtcdSettings;
import io.tandem.configserver.store.ChangeLog;
import io.tandem.configserver.store.StaleHeadException;
import io.tandem.configserver.store.StoreLock;
import io.tandem.configserver.store.WriteRefusedException;
import io.tandem.configserver.store.WriteRefusedException.Reason;
import io.tandem.etcd.EtcdChannels;
import io.tandem.etcd.EtcdRequirements;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.protocol.sharedlog.WriteOutcome;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's changes in etcd, shared by every Config Server started with the same endpoints and
 * prefix. Each request is one transaction guarded by the head: "if {@code head} is still H, set
 * it to H+n and write the request's changes as {@code log/H+1}". Two processes that validated a
 * request against the same head cannot both commit; the loser catches up and validates again,
 * so event ids are gap-free, never reused and the same on every process. Each process keeps the
 * store in memory by following the log ({@link LogFollower}); checkpoints ({@link EtcdCheckpoints})
 * let a new process start without replaying every change ever made.
 *
 * <p>A request is one etcd request, so it is atomic for every reader however large; etcd refuses
 * requests over its {@code --max-request-bytes}, so Tandem needs {@link #REQUIRED_REQUEST_BYTES}
 * (checked at start) and compresses each entry.
 */
public final class EtcdLog implements ChangeLog {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdLog.class);
  /** What every etcd member's {@code --max-request-bytes} must allow: an 8 MiB ApplyObjects, its changes compressed. */
  static final int REQUIRED_REQUEST_BYTES = EtcdRequirements.MAX_REQUEST_BYTES;
  /** A log entry's limit: etcd's less the rest of the transaction. */
  static final int MAX_ENTRY_BYTES = REQUIRED_REQUEST_BYTES - 64 * 1024;
  /** Between two attempts of one write (the store's lock released meanwhile). */
  private static final Duration RETRY_AFTER = Duration.ofMillis(100);
  /** One attempt's limit: a member that went away costs at most this before the next is tried. */
  private static final Duration ATTEMPT = Duration.ofSeconds(1);
  /** How many call timeouts a start waits for etcd to answer its first request. */
  private static final int START_ATTEMPTS = 6;

  private final EtcdSettings settings;
  private final long checkpointAfter;
  private final EtcdKeys keys;
  private final ManagedChannel channel;
  /** The channel every call goes through: {@link #channel} itself, or a fault-injecting wrapper of it. */
  private final Channel calls;
  private final EtcdKv kv;
  /** The gauge's reads: not the store's calls, so not in the round-trip histogram. */
  private final EtcdKv scrapes;
  private final FatalStop fatalStop;
  private final Figures figures = new Figures();
  private final StoreLock storeLock;
  private EtcdCheckpoints checkpoints;
  private LogFollower follower;
  /** Why writes are refused until a restart, or null; store lock. */
  private String broken;
  /** Whether the last write reached etcd; store lock. Logged when it changes. */
  private boolean reachable = true;
  private long lastTerm;

  /** What an operator watches of the log: etcd round trips, lost races, how far behind memory is. */
  public static final class Figures {
    private final LongAdder conflicts = new LongAdder();
    private final AtomicLong logHead = new AtomicLong();
    private volatile java.util.function.LongConsumer roundTrip = nanos -> { };

    /** Writes that lost the race to another Config Server and were validated again. */
    public long conflicts() {
      return conflicts.sum();
    }

    /** The highest head this process has seen the log at. */
    public long logHead() {
      return logHead.get();
    }

    /** {@code observer} is told how long each etcd call took (ns); set before start. */
    public void onRoundTrip(java.util.function.LongConsumer observer) {
      this.roundTrip = observer;
    }

    void sawHead(long head) {
      logHead.accumulateAndGet(head, Math::max);
    }
  }

  @Inject
  public EtcdLog(ConfigServerSettings settings, TransportSecurity security, FatalStop fatalStop, StoreLock storeLock) {
    this(settings, security, fatalStop, storeLock, UnaryOperator.identity());
  }

  /** With the calls to etcd (key-value and watch) going through {@code calls} (a fault-injecting wrapper, in tests). */
  EtcdLog(ConfigServerSettings settings, TransportSecurity security, FatalStop fatalStop, StoreLock storeLock,
      UnaryOperator<Channel> calls) {
    this.settings = settings.etcd();
    this.storeLock = storeLock;
    this.checkpointAfter = settings.checkpointAfter();
    this.keys = new EtcdKeys(this.settings.prefix());
    this.fatalStop = fatalStop;
    this.channel = EtcdChannels.open(this.settings.endpoints(), security.channelCredentials(ServerIdentity.of(ServerIdentity.ETCD)));
    this.calls = calls.apply(channel);
    this.kv = new EtcdKv(this.calls, nanos -> figures.roundTrip.accept(nanos));
    this.scrapes = new EtcdKv(this.calls, nanos -> { });
  }

  public Figures figures() {
    return figures;
  }

  @Override
  public void open(Memory memory) throws IOException {
    long begin = System.nanoTime();
    try {
      checkRequestLimit();
      checkpoints = new EtcdCheckpoints(kv, keys, settings.timeout(), storeLock);
      follower = new LogFollower(calls, kv, keys, settings.timeout(), checkpoints, memory, this::followed, this::cannotFollow);
      LogFollower.Loaded loaded = follower.load();
      figures.sawHead(loaded.head());
      follower.start(loaded.revision() + 1);
      EventLog.emit(LOG, LogEvent.ETCD_STORE_OPENED, "endpoints", settings.endpoints(), "prefix", settings.prefix(),
          "head", loaded.head(), "checkpoint_head", loaded.checkpointHead(), "log_entries", loaded.entries(),
          "revision", loaded.revision(), "ms", (System.nanoTime() - begin) / 1_000_000);
    } catch (StatusRuntimeException e) {
      Channels.close(channel, Duration.ofSeconds(1));
      throw new IOException("etcd at " + settings.endpoints() + " (--etcd-endpoints): " + describe(e), e);
    } catch (IOException | RuntimeException e) {
      Channels.close(channel, Duration.ofSeconds(1));
      throw e;
    }
  }

  /**
   * etcd refuses a request over its {@code --max-request-bytes} before proposing it; a transaction
   * whose only comparison never holds carries a value that large and writes nothing either way.
   */
  private void checkRequestLimit() throws IOException {
    TxnRequest probe = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(keys.probe()).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.LESS).setVersion(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(keys.probe())
            .setValue(ByteString.copyFrom(new byte[MAX_ENTRY_BYTES]))))
        .build();
    // A cluster still starting, or busy, may answer this large request late: a start waits for it
    // several call timeouts before it gives up.
    long deadline = System.nanoTime() + settings.timeout().multipliedBy(START_ATTEMPTS).toNanos();
    while (true) {
      try {
        kv.txn(probe, settings.timeout());
        return;
      } catch (StatusRuntimeException e) {
        if (EtcdKv.tooLarge(e)) {
          throw new IOException("etcd at " + settings.endpoints() + " refuses requests of " + MAX_ENTRY_BYTES
              + " bytes (" + describe(e) + "): start every etcd member with --max-request-bytes=" + REQUIRED_REQUEST_BYTES
              + ", which a Tandem request of up to 8 MiB needs");
        }
        if (!retryable(e) || System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("etcd did not answer the start's request-size check yet ({}); asking again", describe(e));
        try {
          Thread.sleep(RETRY_AFTER.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for etcd at " + settings.endpoints(), interrupted);
        }
      }
    }
  }

  @Override
  public void append(List<ChangeEvent> request) {
    if (broken != null) {
      throw new WriteRefusedException(Reason.NOT_DURABLE, broken);
    }
    long first = request.get(0).getEventId();
    long last = request.get(request.size() - 1).getEventId();
    ByteString entry = LogEntries.encode(request);
    if (entry.size() > MAX_ENTRY_BYTES) {
      throw new WriteRefusedException(Reason.TOO_LARGE, "the request's " + request.size() + " changes take " + entry.size()
          + " bytes compressed, more than one etcd request may hold (" + MAX_ENTRY_BYTES + "): nothing was written;"
          + " split it into smaller requests");
    }
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(headIs(first - 1))
        .addSuccess(put(keys.head(), ByteString.copyFromUtf8(Long.toString(last))))
        .addSuccess(put(keys.log(first), entry))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(keys.head())))
        .build();
    long deadline = System.nanoTime() + settings.timeout().toNanos();
    while (true) {
      StatusRuntimeException failure;
      try {
        TxnResponse response = kv.txn(txn, shorter(ATTEMPT, deadline));
        reached(response.getHeader());
        long head = response.getSucceeded() ? last : headOf(response);
        figures.sawHead(head);
        if (WriteOutcome.of(response.getSucceeded(), head, last, () -> entry.equals(entryAt(first)))
            == WriteOutcome.LOST_THE_RACE) {
          figures.conflicts.increment();
          if (head < first - 1) {
            throw logWentBack(head, first - 1);
          }
          throw new StaleHeadException(head);
        }
        return;
      } catch (StatusRuntimeException e) {
        if (EtcdKv.tooLarge(e)) {
          throw new WriteRefusedException(Reason.TOO_LARGE, "etcd refused the request as too large (" + describe(e)
              + "): nothing was written; every etcd member needs --max-request-bytes=" + REQUIRED_REQUEST_BYTES);
        }
        failure = e;
      }
      long left = deadline - System.nanoTime();
      if (!retryable(failure) || left < RETRY_AFTER.toNanos()) {
        throw unreachable(failure);
      }
      pause(RETRY_AFTER);
    }
  }

  /** Store lock. Waits without it, so reads and the log's follower go on while etcd answers no write. */
  private void pause(Duration delay) {
    long until = System.nanoTime() + delay.toNanos();
    try {
      for (long left = delay.toNanos(); left > 0; left = until - System.nanoTime()) {
        storeLock.wait(Math.max(1, left / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WriteRefusedException(Reason.NOT_DURABLE, "interrupted while waiting for etcd; the change may or may not"
          + " be in the log: read it before writing again");
    }
  }

  private WriteRefusedException unreachable(StatusRuntimeException e) {
    String message = "etcd at " + settings.endpoints() + " did not commit the change within " + settings.timeout().toMillis()
        + " ms (" + describe(e) + "): it may have no quorum; reads and watches go on from this Config Server's copy."
        + " The change may or may not be in the log: read it before writing again";
    if (reachable) {
      reachable = false;
      EventLog.emit(LOG, LogEvent.ETCD_UNREACHABLE, "endpoints", settings.endpoints(), "cause", describe(e));
    }
    return new WriteRefusedException(Reason.NOT_DURABLE, message);
  }

  /** Store lock. An answer from etcd: logs the way back, and a new leader's term. */
  private void reached(ResponseHeader header) {
    if (!reachable) {
      reachable = true;
      EventLog.emit(LOG, LogEvent.ETCD_REACHABLE, "endpoints", settings.endpoints(), "revision", header.getRevision());
    }
    if (header.getRaftTerm() > lastTerm) {
      if (lastTerm != 0) {
        EventLog.emit(LOG, LogEvent.ETCD_LEADER_CHANGED, "term", header.getRaftTerm(), "previous_term", lastTerm,
            "member_answering", Long.toHexString(header.getMemberId()));
      }
      lastTerm = header.getRaftTerm();
    }
  }

  private static boolean retryable(StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.RESOURCE_EXHAUSTED
        || code == Status.Code.UNKNOWN;
  }

  private ByteString entryAt(long first) {
    RangeResponse found = kv.range(RangeRequest.newBuilder().setKey(keys.log(first)).build(), ATTEMPT);
    return found.getKvsCount() == 0 ? ByteString.EMPTY : found.getKvs(0).getValue();
  }

  private Compare headIs(long head) {
    Compare.Builder compare = Compare.newBuilder().setKey(keys.head()).setResult(Compare.CompareResult.EQUAL);
    return head == 0
        ? compare.setTarget(Compare.CompareTarget.VERSION).setVersion(0).build()
        : compare.setTarget(Compare.CompareTarget.VALUE).setValue(ByteString.copyFromUtf8(Long.toString(head))).build();
  }

  private static long headOf(TxnResponse failed) {
    RangeResponse range = failed.getResponses(0).getResponseRange();
    return range.getKvsCount() == 0 ? 0 : parseHead(range.getKvs(0));
  }

  static long parseHead(KeyValue head) {
    return Long.parseLong(head.getValue().toString(StandardCharsets.US_ASCII));
  }

  private static RequestOp put(ByteString key, ByteString value) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)).build();
  }

  private static Duration shorter(Duration attempt, long deadlineNanos) {
    return Duration.ofNanos(Math.max(1_000_000, Math.min(attempt.toNanos(), deadlineNanos - System.nanoTime())));
  }

  static String describe(StatusRuntimeException e) {
    return e.getStatus().getCode() + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription());
  }

  /** The follower's: a request another process committed reached memory. */
  private void followed(long head) {
    figures.sawHead(head);
  }

  /** The follower's: memory cannot be brought up to the log (a gap no checkpoint fills). */
  private void cannotFollow(String why) {
    synchronized (storeLock) {
      broken = why;
    }
    fatalStop.stop(why);
  }

  /** A linearizable read of the head key: it sees every write etcd acknowledged to any process. */
  @Override
  public OptionalLong sharedHead() {
    try {
      return OptionalLong.of(readHead(kv, settings.timeout()));
    } catch (StatusRuntimeException e) {
      throw new WriteRefusedException(Reason.NOT_DURABLE, "etcd at " + settings.endpoints() + " did not say the log's"
          + " head within " + settings.timeout().toMillis() + " ms (" + describe(e) + "): it may have no quorum");
    }
  }

  /**
   * For the replica-lag gauge: the log's head read now, so a follower that stopped hearing from
   * etcd shows its lag; the highest head seen so far when etcd does not answer within a second
   * (its unreachability is logged and refused by the writes themselves).
   */
  public long headForLag() {
    try {
      return Math.max(readHead(scrapes, ATTEMPT), figures.logHead());
    } catch (StatusRuntimeException e) {
      LOG.debug("etcd did not say the log's head for the lag gauge: {}", describe(e));
      return figures.logHead();
    }
  }

  /** The head key's value as etcd has it now (a restored etcd may hold an older one than was seen). */
  private long readHead(EtcdKv through, Duration deadline) {
    RangeResponse found = through.range(RangeRequest.newBuilder().setKey(keys.head()).build(), deadline);
    long head = found.getKvsCount() == 0 ? 0 : parseHead(found.getKvs(0));
    figures.sawHead(head);
    return head;
  }

  /** {@code --etcd-timeout-ms}: as long as one call to etcd may take. */
  @Override
  public Duration catchUpLimit() {
    return settings.timeout();
  }

  /**
   * etcd's head is behind what memory holds: the log went back under this process (etcd restored
   * from an older backup, its keys removed). Waiting for the log to catch up with memory would
   * retry at once, for good, holding the store's lock; serving on would give other events the ids
   * this one served.
   */
  private WriteRefusedException logWentBack(long head, long held) {
    String why = "etcd's log head is event " + head + ", behind the event " + held + " this Config Server holds: etcd"
        + " was restored from an older backup or its keys removed; nothing was written, and this Config Server stops:"
        + " a restart reads the log as it is now";
    LOG.error(why);
    cannotFollow(why);
    return new WriteRefusedException(Reason.NOT_DURABLE, why);
  }

  @Override
  public WriteRefusedException memoryBehind(RuntimeException cause) {
    String why = "the store could not apply a change the etcd log holds (" + cause + "); this Config Server stops:"
        + " a restart rebuilds it from etcd";
    LOG.error("memory and the etcd log disagree", cause);
    cannotFollow(why);
    return new WriteRefusedException(Reason.NOT_DURABLE, why);
  }

  @Override
  public void checkpointIfDue(long checkpointSize, Supplier<JournalCheckpoint> content) {
    if (broken == null) {
      checkpoints.writeIfDue(figures.logHead(), Math.max(checkpointAfter, checkpointSize), content);
    }
  }

  @Override
  public void stopping() {
    if (checkpoints != null) {
      checkpoints.stopping();
    }
  }

  @Override
  public void close(LongSupplier checkpointSize, Supplier<JournalCheckpoint> content) throws InterruptedException {
    if (follower != null) {
      follower.stop();
    }
    if (checkpoints != null) {
      checkpoints.awaitWritten();
    }
    // Nothing is left to wait for: the watch is cancelled, the last checkpoint written.
    channel.shutdownNow();
    if (!channel.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
      LOG.warn("the channel to etcd at {} did not close within 5 s", settings.endpoints());
    }
  }

  /** The log entry's codec, used by the follower too. */
  static final class LogEntries {
    private LogEntries() {}

    static ByteString encode(List<ChangeEvent> request) {
      return Deflation.deflate(JournalRecord.newBuilder().addAllEvents(request).build().toByteString());
    }

    static List<ChangeEvent> decode(ByteString entry) throws InvalidProtocolBufferException {
      return JournalRecord.parseFrom(Deflation.inflate(entry)).getEventsList();
    }
  }
}
