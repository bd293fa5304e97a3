package io.tandem.common.supervision;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.common.retry.Backoff;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Heartbeat;
import io.tandem.management.v1.Hello;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.ModeAck;
import io.tandem.management.v1.ModeCommand;
import io.tandem.management.v1.StatusReport;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.management.v1.SupervisionMessage;
import io.tandem.protocol.link.HostPort;
import io.tandem.protocol.time.MonotonicClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * An application's side of supervision: one stream to the Management Layer, re-opened with
 * backoff whenever it breaks. Status reports and heartbeats are sent as asked; whether a report
 * was delivered is told by {@link Listener#onStatusDelivered}, and re-sending what was not is the
 * caller's decision (on {@link Listener#onConnected}, typically). A refusal because this
 * process's certificate is not the application's ({@code PERMISSION_DENIED}) ends supervision for
 * good: {@link Listener#onRefused}. So does one because another instance of the application is
 * alive ({@code ALREADY_EXISTS}) once it has lasted as long as the refusal says to keep asking
 * ({@link DuplicateRefusal}): until then the other instance may only look alive (frozen, or
 * behind a half-open connection), so the client asks again, more slowly than after a break.
 *
 * <p>Streams go over a {@link Transport}: gRPC to the Management Layer ({@link #grpc}), or the
 * simulator's network, which drives this same client on virtual time.
 */
public final class SupervisionClient implements AutoCloseable {
  private static final Backoff.Policy REFUSED = new Backoff.Policy(Duration.ofMillis(250), Duration.ofSeconds(2), 2.0, 0.2);

  /** What the application runs as now: told in every hello, so a restarted Management Layer can adopt it. */
  public record Standing(Mode mode, long epoch) {}

  /** How supervision streams are opened. */
  public interface Transport {
    /**
     * Opens a stream: {@code inbound} is told its way out ({@link Inbound#started}) before it
     * hears anything, then what arrives, on any thread, one call at a time.
     */
    void open(Inbound inbound);

    /** Called before each (re)connect: the client paces its reconnects with its own backoff. */
    void reconnectNow();
  }

  /** What an open stream hears. */
  public interface Inbound {
    /** The stream's way out, before anything arrives. */
    void started(Outbound stream);

    void onCommand(SupervisionCommand command);

    /** The stream ended; a refusal's {@code trailers} may say how long to keep asking ({@link DuplicateRefusal}). */
    void onEnded(Status status, Metadata trailers);
  }

  /** An open stream's way out. */
  public interface Outbound {
    void send(SupervisionMessage message);

    /** Ends the stream from this side. */
    void complete();
  }

  /** Supervision over gRPC, on {@code channel}. */
  public static Transport grpc(ManagedChannel channel) {
    ManagementServiceGrpc.ManagementServiceStub stub = ManagementServiceGrpc.newStub(channel);
    return new Transport() {
      @Override
      public void open(Inbound inbound) {
        stub.supervise(new ClientResponseObserver<SupervisionMessage, SupervisionCommand>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<SupervisionMessage> requestStream) {
            inbound.started(new Outbound() {
              @Override
              public void send(SupervisionMessage message) {
                requestStream.onNext(message);
              }

              @Override
              public void complete() {
                requestStream.onCompleted();
              }
            });
          }

          @Override
          public void onNext(SupervisionCommand command) {
            inbound.onCommand(command);
          }

          @Override
          public void onError(Throwable t) {
            inbound.onEnded(Status.fromThrowable(t), Status.trailersFromThrowable(t));
          }

          @Override
          public void onCompleted() {
            inbound.onEnded(Status.UNAVAILABLE.withDescription("the Management Layer ended the stream"), new Metadata());
          }
        });
      }

      @Override
      public void reconnectNow() {
        channel.resetConnectBackoff();
      }
    };
  }

  /**
   * Supervision over {@code channels}, one per address of {@code addresses} (the Management
   * Layers of which one leads): a stream ended {@code UNAVAILABLE} moves the next to the next address.
   */
  public static Transport following(List<HostPort> addresses, List<ManagedChannel> channels, String application) {
    return addresses.size() == 1 ? grpc(channels.get(0)) : new FollowingTransport(addresses, channels, application);
  }

  /** Told on the executor given to the client, one call at a time. */
  public interface Listener {
    /** A stream is open and the hello is sent. */
    void onConnected();

    /** The stream broke; the client reconnects by itself. */
    void onDisconnected(Status status);

    /** Run in {@code mode} from now on, then call {@link #acknowledge}. */
    void onModeCommand(ModeCommand command);

    /** The Management Layer received (and acted on) report {@code reportId}. */
    void onStatusDelivered(long reportId);

    /** Send a heartbeat every {@code interval} from now on ({@link #heartbeat}). */
    void onHeartbeatInterval(Duration interval);

    /** Another instance of this application is alive (or this process may not be it): it must not run. No reconnect follows. */
    void onRefused(Status status);
  }

  private final Transport transport;
  private final String application;
  private final String clientAddress;
  private final Listener listener;
  private final Supplier<Standing> standing;
  private final String instanceId;
  private long heartbeats;
  private final ScheduledExecutorService executor;
  private final Clock clock;
  private final Backoff backoff;
  /** Asking again after {@code ALREADY_EXISTS}: the other instance is found hung or lost in seconds, not milliseconds. */
  private final Backoff refusedBackoff;
  /** When the current run of {@code ALREADY_EXISTS} refusals began; executor thread only. */
  private Instant refusedSince;
  private boolean refusing;
  private Outbound out;
  private boolean closed;

  /**
   * @param instanceId random id of this process start (the Management Layer refuses a second live instance)
   * @param standing the mode and epoch the application runs in now (read on the executor when a
   *     stream opens), so a restarted Management Layer can adopt them instead of reassigning
   * @param executor a single-threaded executor: listener calls and reconnects run on it
   */
  public SupervisionClient(ManagedChannel channel, String application, String instanceId, String clientAddress,
      Listener listener, Supplier<Standing> standing, ScheduledExecutorService executor) {
    this(grpc(channel), application, instanceId, clientAddress, listener, standing, executor, MonotonicClock.startingNow(),
        Backoff.THREAD_LOCAL_RANDOM);
  }

  /**
   * Over {@code transport}, timing refusals on {@code clock} and drawing the reconnect backoff's
   * jitter from {@code jitter}.
   */
  public SupervisionClient(Transport transport, String application, String instanceId, String clientAddress,
      Listener listener, Supplier<Standing> standing, ScheduledExecutorService executor, Clock clock,
      RandomGenerator jitter) {
    this.transport = transport;
    this.instanceId = instanceId;
    this.standing = standing;
    this.application = application;
    this.clientAddress = clientAddress;
    this.listener = listener;
    this.executor = executor;
    this.clock = clock;
    this.backoff = new Backoff(Backoff.Policy.RECONNECT, jitter);
    this.refusedBackoff = new Backoff(REFUSED, jitter);
  }

  public void start() {
    executor.execute(this::connect);
  }

  /** Whether a stream is open now. */
  public boolean connected() {
    synchronized (this) {
      return out != null;
    }
  }

  /**
   * Sends status report {@code reportId} (the caller numbers its reports); false when no stream
   * is open and nothing was sent.
   */
  public boolean report(long reportId, AppStatus status, String detail) {
    return send(SupervisionMessage.newBuilder()
        .setStatus(StatusReport.newBuilder().setReportId(reportId).setStatus(status).setDetail(detail)).build());
  }

  /** Acknowledges a mode command once the application runs in that mode, under its epoch. */
  public void acknowledge(ModeCommand command) {
    send(SupervisionMessage.newBuilder().setModeAck(ModeAck.newBuilder().setCommandId(command.getCommandId())
        .setMode(command.getMode()).setEpoch(command.getEpoch())).build());
  }

  /**
   * Says the application is alive, running under {@code epoch}. Call it from the thread that
   * makes the application's decisions, so a wedged decision thread counts as hung.
   */
  public boolean heartbeat(long epoch) {
    return send(SupervisionMessage.newBuilder()
        .setHeartbeat(Heartbeat.newBuilder().setEpoch(epoch).setSequence(++heartbeats)).build());
  }

  /** Random id for an application's process start, as hellos carry it. */
  public static String newInstanceId() {
    return java.util.UUID.randomUUID().toString().substring(0, 8) + "-" + ProcessHandle.current().pid();
  }

  /** Ends the stream; no reconnect. */
  @Override
  public void close() {
    Outbound current;
    synchronized (this) {
      closed = true;
      current = out;
      out = null;
    }
    if (current != null) {
      current.complete();
    }
  }

  private synchronized boolean send(SupervisionMessage message) {
    if (out == null) {
      return false;
    }
    out.send(message);
    return true;
  }

  private void connect() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    // Our backoff paces reconnects; gRPC's own (up to two minutes) would fail them fast meanwhile.
    transport.reconnectNow();
    AtomicReference<Outbound> stream = new AtomicReference<>();
    transport.open(new Inbound() {
      @Override
      public void started(Outbound requestStream) {
        stream.set(requestStream);
      }

      @Override
      public void onCommand(SupervisionCommand command) {
        if (command.hasMode()) {
          executor.execute(() -> {
            accepted();
            listener.onModeCommand(command.getMode());
          });
        } else if (command.hasStatusAck()) {
          executor.execute(() -> {
            accepted();
            listener.onStatusDelivered(command.getStatusAck().getReportId());
          });
        } else if (command.hasSettings()) {
          Duration interval = Duration.ofMillis(command.getSettings().getHeartbeatIntervalMs());
          executor.execute(() -> {
            accepted();
            listener.onHeartbeatInterval(interval);
          });
        }
      }

      @Override
      public void onEnded(Status status, Metadata trailers) {
        broken(stream.get(), status, DuplicateRefusal.retryFor(trailers));
      }
    });
    Outbound opened = stream.get();
    Standing now = standing.get();
    synchronized (this) {
      if (closed) {
        opened.complete();
        return;
      }
      out = opened;
      heartbeats = 0;
      out.send(SupervisionMessage.newBuilder()
          .setHello(Hello.newBuilder().setApplication(application).setClientAddress(clientAddress)
              .setPid(ProcessHandle.current().pid()).setCurrentMode(now.mode()).setEpoch(now.epoch())
              .setInstanceId(instanceId))
          .build());
    }
    listener.onConnected();
  }

  /** The Management Layer took this process's hello (it sent something on the stream): executor thread. */
  private void accepted() {
    backoff.reset();
    refusedBackoff.reset();
    refusing = false;
  }

  /**
   * A stream ended (on a gRPC thread): forget it and reconnect later, on the executor, in order.
   * {@code retryFor}: how long a duplicate's refusal says to keep asking.
   */
  private void broken(Outbound stream, Status status, Duration retryFor) {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    executor.execute(() -> {
      synchronized (this) {
        if (out == stream) {
          out = null;
        }
        if (closed) {
          return;
        }
      }
      if (status.getCode() == Status.Code.ALREADY_EXISTS) {
        Instant now = clock.instant();
        if (!refusing) {
          refusing = true;
          refusedSince = now;
        }
        Duration refusedFor = Duration.between(refusedSince, now);
        if (refusedFor.compareTo(retryFor) >= 0) {
          refused(retryFor.isZero() ? status : withMore(status, "still refused after asking for "
              + refusedFor.toMillis() + " ms, as long as the Management Layer takes to find an instance that only "
              + "looks alive hung or lost: the other instance is alive"));
          return;
        }
        listener.onDisconnected(withMore(status, "asking again for up to "
            + retryFor.minus(refusedFor).toMillis() + " ms more: the other instance may only look alive"));
        Scheduled.after(executor, "connect supervision", refusedBackoff.nextDelay(), this::connect);
        return;
      }
      if (status.getCode() == Status.Code.PERMISSION_DENIED) {
        refused(status);
        return;
      }
      listener.onDisconnected(status);
      Scheduled.after(executor, "connect supervision", backoff.nextDelay(), this::connect);
    });
  }

  /** Supervision ends for good: executor thread. */
  private void refused(Status status) {
    synchronized (this) {
      closed = true;
    }
    listener.onRefused(status);
  }

  private static Status withMore(Status status, String more) {
    return status.withDescription(status.getDescription() == null ? more : status.getDescription() + "; " + more);
  }
}
