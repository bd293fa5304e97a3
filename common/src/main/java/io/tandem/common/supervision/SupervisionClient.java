package io.tandem.common.supervision;

import io.grpc.ManagedChannel;
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
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

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
 */
public final class SupervisionClient implements AutoCloseable {
  private static final Backoff.Policy REFUSED = new Backoff.Policy(Duration.ofMillis(250), Duration.ofSeconds(2), 2.0, 0.2);

  /** What the application runs as now: told in every hello, so a restarted Management Layer can adopt it. */
  public record Standing(Mode mode, long epoch) {}

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

  private final ManagedChannel channel;
  private final ManagementServiceGrpc.ManagementServiceStub stub;
  private final String application;
  private final String clientAddress;
  private final Listener listener;
  private final Supplier<Standing> standing;
  private final String instanceId;
  private long heartbeats;
  private final ScheduledExecutorService executor;
  private final Backoff backoff = new Backoff(Backoff.Policy.RECONNECT);
  /** Asking again after {@code ALREADY_EXISTS}: the other instance is found hung or lost in seconds, not milliseconds. */
  private final Backoff refusedBackoff = new Backoff(REFUSED);
  /** When the current run of {@code ALREADY_EXISTS} refusals began (System.nanoTime); executor thread only. */
  private long refusedSince;
  private boolean refusing;
  private ClientCallStreamObserver<SupervisionMessage> out;
  private boolean closed;

  /**
   * @param instanceId random id of this process start (the Management Layer refuses a second live instance)
   * @param standing the mode and epoch the application runs in now (read on the executor when a
   *     stream opens), so a restarted Management Layer can adopt them instead of reassigning
   * @param executor a single-threaded executor: listener calls and reconnects run on it
   */
  public SupervisionClient(ManagedChannel channel, String application, String instanceId, String clientAddress,
      Listener listener, Supplier<Standing> standing, ScheduledExecutorService executor) {
    this.channel = channel;
    this.instanceId = instanceId;
    this.standing = standing;
    this.stub = ManagementServiceGrpc.newStub(channel);
    this.application = application;
    this.clientAddress = clientAddress;
    this.listener = listener;
    this.executor = executor;
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
    ClientCallStreamObserver<SupervisionMessage> current;
    synchronized (this) {
      closed = true;
      current = out;
      out = null;
    }
    if (current != null) {
      current.onCompleted();
    }
  }

  private synchronized boolean send(SupervisionMessage message) {
    if (out == null) {
      return false;
    }
    out.onNext(message);
    return true;
  }

  private void connect() {
    synchronized (this) {
      if (closed) {
        return;
      }
    }
    // Our backoff paces reconnects; gRPC's own (up to two minutes) would fail them fast meanwhile.
    channel.resetConnectBackoff();
    AtomicReference<ClientCallStreamObserver<SupervisionMessage>> stream = new AtomicReference<>();
    stub.supervise(new ClientResponseObserver<SupervisionMessage, SupervisionCommand>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<SupervisionMessage> requestStream) {
        stream.set(requestStream);
      }

      @Override
      public void onNext(SupervisionCommand command) {
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
      public void onError(Throwable t) {
        broken(stream.get(), Status.fromThrowable(t), DuplicateRefusal.retryFor(Status.trailersFromThrowable(t)));
      }

      @Override
      public void onCompleted() {
        broken(stream.get(), Status.UNAVAILABLE.withDescription("the Management Layer ended the stream"), Duration.ZERO);
      }
    });
    ClientCallStreamObserver<SupervisionMessage> opened = stream.get();
    Standing now = standing.get();
    synchronized (this) {
      if (closed) {
        opened.onCompleted();
        return;
      }
      out = opened;
      heartbeats = 0;
      out.onNext(SupervisionMessage.newBuilder()
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
  private void broken(ClientCallStreamObserver<SupervisionMessage> stream, Status status, Duration retryFor) {
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
        long now = System.nanoTime();
        if (!refusing) {
          refusing = true;
          refusedSince = now;
        }
        Duration refusedFor = Duration.ofNanos(now - refusedSince);
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
