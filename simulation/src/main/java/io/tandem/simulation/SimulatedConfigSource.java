package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import io.tandem.common.config.ConfigSession;
import io.tandem.common.config.ConfigSource;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.HistoryLogExpired;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The Config Server as one Stat Server process's {@code ConfigSync} reaches it: its calls over
 * the simulated network. A snapshot or a read blocks the session's thread (a {@link Carrier}) on
 * virtual time until the answer arrives, as it blocks on the wire; a snapshot then takes as long
 * as the run draws for streaming and building it. Watches deliver on the network's steps, as
 * gRPC's threads do.
 */
final class SimulatedConfigSource implements ConfigSource {
  private final Node self;
  private final ConfigServerNode configServer;
  private final VirtualExecutor sessionThread;
  private final Carrier thread;
  private final LongSupplier loadMillis;
  private final Consumer<Message.Snapshot> served;

  /**
   * @param self the process reading
   * @param sessionThread the session's thread: its blocking calls wait on its carrier
   * @param loadMillis how long streaming and building a snapshot takes, drawn for each
   * @param served told each snapshot handed to the reader, with its objects whole
   */
  SimulatedConfigSource(Node self, ConfigServerNode configServer, VirtualExecutor sessionThread,
      LongSupplier loadMillis, Consumer<Message.Snapshot> served) {
    this.self = self;
    this.configServer = configServer;
    this.sessionThread = sessionThread;
    this.thread = sessionThread.carrier();
    this.loadMillis = loadMillis;
    this.served = served;
  }

  @Override
  public void snapshotBatches(Set<ObjectType> types, Consumer<byte[]> batches, Duration deadline) {
    Message.Snapshot snapshot = (Message.Snapshot) call(new Message.SnapshotRequest(), deadline);
    long streaming = loadMillis.getAsLong();
    thread.await(done -> self.time.after(streaming, self, () -> done.complete(null)));
    served.accept(snapshot);
    batches.accept(ObjectBatch.newBuilder().addAllObjects(snapshot.objects().values()).setLast(true)
        .setTotalObjects(snapshot.objects().size()).setConsistentAtEventId(snapshot.head()).build().toByteArray());
  }

  @Override
  public ConfigObject get(ObjectType type, String name, Duration deadline) {
    ConfigObject found = ((Message.Found) call(new Message.GetRequest(type, name), deadline)).object();
    if (found == null) {
      throw Status.NOT_FOUND.withDescription(type + " " + name).asRuntimeException();
    }
    return found;
  }

  private Message call(Message request, Duration deadline) {
    return thread.await(done -> self.network.call(self, configServer, configServer::accept, request,
        deadline.toMillis(), done::complete, status -> done.fail(status.asRuntimeException())));
  }

  @Override
  public ConfigSession.Watch watch(long afterEventId, ConfigSession.WatchListener listener,
      ScheduledExecutorService timer) {
    Stream stream = self.network.open(self, configServer, configServer::accept);
    boolean[] over = new boolean[1];
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        if (!over[0]) {
          // What a watch delivers is applied, in order, on the session's thread, and never waits.
          sessionThread.handingNonBlockingWork(() -> deliver(message));
        }
      }

      private void deliver(Message message) {
        if (message instanceof Message.Changes changes) {
          listener.onChanges(changes.events(), false);
        } else if (message instanceof Message.Progress progress) {
          listener.onProgress(progress.head());
        } else if (message instanceof Message.Expired expired) {
          over[0] = true;
          listener.onExpired(HistoryLogExpired.newBuilder().setRequestedAfterEventId(expired.requestedAfter())
              .setOldestRetainedEventId(expired.oldestRetained()).setHeadEventId(expired.head()).build());
        } else {
          throw new IllegalStateException(self.name + " got " + message + " on its watch");
        }
      }

      @Override
      public void ended(Status status, Metadata trailers) {
        if (!over[0]) {
          over[0] = true;
          sessionThread.handingNonBlockingWork(() -> listener.onBroken(status.isOk()
              ? Status.UNAVAILABLE.withDescription("the Config Server ended the watch") : status));
        }
      }
    };
    self.network.send(stream, self, new Message.WatchRequest(afterEventId));
    return () -> {
      over[0] = true;
      self.network.finish(stream, self, Status.CANCELLED, new Metadata());
    };
  }
}
