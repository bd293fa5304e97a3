package io.tandem.configserver.etcd;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.tandem.etcd.EtcdKv;
import io.tandem.common.concurrent.DaemonThreadFactory;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.retry.Backoff;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.configserver.journal.format.JournalCheckpoint;
import io.tandem.configserver.store.ChangeLog.Memory;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps memory up to the etcd log, following the Kubernetes reflector: list (the current
 * checkpoint and the log entries after it, all read at one revision), then watch from the next
 * revision, and list again only when etcd says that revision was compacted away. Changes reach
 * memory in log order on one thread; a stream that breaks is opened again from the revision
 * after the last one seen, so nothing is skipped or applied twice.
 */
final class LogFollower {
  private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
  /** Log entries read per request while loading: each is at most one request's changes. */
  // An entry may take up to EtcdLog.MAX_ENTRY_BYTES (~10 MiB): a page must stay under the channel's 64 MiB inbound limit.
  private static final int ENTRIES_PER_READ = 4;
  /**
   * etcd sends a watcher catching up from history up to 1,000 revisions in one response, whatever
   * their size (the fragmenting that etcd 3.4 offers is not in the v3 protos Tandem is built on):
   * a follower behind by many large requests must be able to take it.
   */
  private static final int MAX_WATCH_RESPONSE_BYTES = 1024 * 1024 * 1024;

  private final Channel channel;
  private final EtcdKv kv;
  private final EtcdKeys keys;
  private final Duration timeout;
  private final EtcdCheckpoints checkpoints;
  private final Memory memory;
  private final LongConsumer followed;
  private final Consumer<String> cannotFollow;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(new DaemonThreadFactory("etcd-follower"));
  private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
  // Follower thread only.
  private long nextRevision;
  private ClientCallStreamObserver<WatchRequest> stream;
  private boolean lost;
  /** Which stream's callbacks count: one cancelled to open another may still report its end. */
  private int generation;
  private volatile boolean stopped;

  /** What a load put into memory. */
  record Loaded(long revision, long head, long checkpointHead, int entries) {}

  /**
   * @param followed told the head memory reached after each request followed
   * @param cannotFollow told why memory cannot be brought up to the log (the process must stop)
   */
  LogFollower(Channel channel, EtcdKv kv, EtcdKeys keys, Duration timeout, EtcdCheckpoints checkpoints, Memory memory,
      LongConsumer followed, Consumer<String> cannotFollow) {
    this.channel = channel;
    this.kv = kv;
    this.keys = keys;
    this.timeout = timeout;
    this.checkpoints = checkpoints;
    this.memory = memory;
    this.followed = followed;
    this.cannotFollow = cannotFollow;
  }

  /** The first list, into an empty memory (at start, on the caller's thread). */
  Loaded load() {
    return list(true);
  }

  /** Watches from {@code revision} on the follower's thread. */
  void start(long revision) {
    Scheduled.now(thread, "watch the etcd log", () -> {
      nextRevision = revision;
      watch();
    });
  }

  void stop() throws InterruptedException {
    stopped = true;
    Scheduled.now(thread, "stop watching the etcd log", () -> closeStream("the Config Server is stopping"));
    thread.shutdown();
    if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
      thread.shutdownNow();
    }
  }

  /** Lists, again if etcd compacts the revision being read meanwhile. */
  private Loaded list(boolean empty) {
    while (true) {
      try {
        return listOnce(empty);
      } catch (StatusRuntimeException e) {
        if (!EtcdKv.compacted(e)) {
          throw e;
        }
      }
    }
  }

  private Loaded listOnce(boolean empty) {
    EtcdCheckpoints.Found found = checkpoints.readCurrent();
    long revision = found.revision();
    long checkpointHead = 0;
    if (found.checkpoint().isPresent()) {
      JournalCheckpoint checkpoint = found.checkpoint().get();
      checkpointHead = checkpoint.getHeadEventId();
      if (empty) {
        memory.restore(checkpoint);
      } else if (checkpointHead > memory.head()) {
        catchUpFrom(checkpoint);
      }
    }
    int entries = 0;
    ByteString from = keys.log(memory.head() + 1);
    while (true) {
      RangeResponse page = kv.range(RangeRequest.newBuilder().setKey(from).setRangeEnd(keys.logEnd())
          .setRevision(revision).setLimit(ENTRIES_PER_READ).build(), timeout);
      for (KeyValue entry : page.getKvsList()) {
        List<ChangeEvent> request = decode(entry);
        if (empty) {
          request.stream().filter(event -> event.getEventId() > memory.head()).forEach(memory::replay);
        } else {
          memory.follow(request);
        }
        entries++;
      }
      if (!page.getMore() || page.getKvsCount() == 0) {
        break;
      }
      from = page.getKvs(page.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[] {0}));
    }
    return new Loaded(revision, memory.head(), checkpointHead, entries);
  }

  /**
   * Memory is behind a checkpoint whose log entries are gone: the changes it missed are in the
   * checkpoint's history log, unless the history no longer reaches back that far.
   */
  private void catchUpFrom(JournalCheckpoint checkpoint) {
    long head = memory.head();
    List<ChangeEvent> missed = checkpoint.getHistoryList().stream().filter(e -> e.getEventId() > head).toList();
    if (missed.isEmpty() || missed.get(0).getEventId() != head + 1
        || missed.get(missed.size() - 1).getEventId() != checkpoint.getHeadEventId()) {
      throw new MemoryTooFarBehind("this Config Server holds event " + head + " and the etcd log now starts after"
          + " event " + checkpoint.getHeadEventId() + " with a history log that does not reach back to it:"
          + " it stops, and a restart loads it again from etcd");
    }
    memory.follow(missed);
  }

  private void watch() {
    if (stopped) {
      return;
    }
    int mine = ++generation;
    WatchGrpc.WatchStub stub = WatchGrpc.newStub(channel).withExecutor(thread)
        .withMaxInboundMessageSize(MAX_WATCH_RESPONSE_BYTES)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(EtcdKv.REQUIRE_LEADER));
    stub.watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> requests) {
        stream = requests;
      }

      @Override
      public void onNext(WatchResponse response) {
        if (mine == generation) {
          handle(response);
        }
      }

      @Override
      public void onError(Throwable t) {
        if (mine == generation) {
          retry(t.toString());
        }
      }

      @Override
      public void onCompleted() {
        if (mine == generation) {
          retry("etcd closed the watch");
        }
      }
    });
    // The log and the key naming the current checkpoint; not the checkpoints' parts, which no
    // follower needs and which would make a catching-up response needlessly large.
    stream.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(keys.logStart()).setRangeEnd(keys.logEnd()).setStartRevision(nextRevision)
        .addFilters(WatchCreateRequest.FilterType.NODELETE)).build());
    stream.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(keys.checkpoint()).setStartRevision(nextRevision)
        .addFilters(WatchCreateRequest.FilterType.NODELETE)).build());
  }

  private void handle(WatchResponse response) {
    try {
      if (response.getCompactRevision() > 0) {
        EventLog.emit(LOG, LogEvent.ETCD_FOLLOW_RELISTED, "from_revision", nextRevision,
            "compacted_to", response.getCompactRevision(), "head", memory.head());
        nextRevision = list(false).revision() + 1;
        restart("relisted after a compaction");
        return;
      }
      if (response.getCanceled()) {
        retry("etcd cancelled the watch: " + response.getCancelReason());
        return;
      }
      if (lost && response.getCreated()) {
        lost = false;
        backoff.reset();
        EventLog.emit(LOG, LogEvent.ETCD_FOLLOW_RESUMED, "from_revision", nextRevision, "head", memory.head());
      }
      for (Event event : response.getEventsList()) {
        apply(event.getKv());
        if (keys.isLog(event.getKv().getKey())) {
          // Only the log's revisions: a checkpoint's naming missed on a restart is read when one is written.
          nextRevision = event.getKv().getModRevision() + 1;
        }
      }
    } catch (MemoryTooFarBehind e) {
      stopFollowing(e.getMessage());
    } catch (StatusRuntimeException e) {
      retry(EtcdLog.describe(e));
    } catch (RuntimeException e) {
      LOG.error("following the etcd log failed", e);
      stopFollowing("following the etcd log failed: " + e);
    }
  }

  private void apply(KeyValue kv) {
    ByteString key = kv.getKey();
    if (keys.isLog(key)) {
      List<ChangeEvent> request = decode(kv);
      memory.follow(request);
      followed.accept(request.get(request.size() - 1).getEventId());
    } else if (key.equals(keys.checkpoint())) {
      checkpoints.seen(EtcdCheckpoints.parse(kv.getValue()), kv.getModRevision());
    }
  }

  private List<ChangeEvent> decode(KeyValue entry) {
    try {
      List<ChangeEvent> request = EtcdLog.LogEntries.decode(entry.getValue());
      if (request.isEmpty() || request.get(0).getEventId() != keys.eventIdOf(entry.getKey())) {
        throw new IllegalStateException("log entry " + entry.getKey().toStringUtf8() + " does not start at its own id");
      }
      return request;
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new IllegalStateException("log entry " + entry.getKey().toStringUtf8() + " is damaged: " + e.getMessage(), e);
    }
  }

  private void restart(String why) {
    closeStream(why);
    watch();
  }

  private void closeStream(String why) {
    generation++;
    if (stream != null) {
      stream.cancel(why, null);
      stream = null;
    }
  }

  private void retry(String cause) {
    if (stopped) {
      return;
    }
    if (!lost) {
      lost = true;
      EventLog.emit(LOG, LogEvent.ETCD_FOLLOW_LOST, "cause", cause, "next_revision", nextRevision, "head", memory.head());
    }
    closeStream(cause);
    Scheduled.after(thread, "watch the etcd log again", backoff.nextDelay(), this::watch);
  }

  private void stopFollowing(String why) {
    stopped = true;
    closeStream(why);
    cannotFollow.accept(why);
  }

  /** Memory is further behind than the log and its checkpoint can bring it. */
  private static final class MemoryTooFarBehind extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MemoryTooFarBehind(String message) {
      super(message, null, false, false);
    }
  }

}
