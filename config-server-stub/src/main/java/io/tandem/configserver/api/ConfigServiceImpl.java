package io.tandem.configserver.api;

import com.google.protobuf.util.Timestamps;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.tandem.common.config.EncodedListObjects;
import io.tandem.common.config.Names;
import io.tandem.common.config.ObjectTypes;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.protocol.log.EventLog;
import io.tandem.protocol.log.LogEvent;
import io.tandem.common.logging.RateLimitedLog;
import io.tandem.common.security.Caller;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ApplyObjectsResult;
import io.tandem.config.v1.ClientSession;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.DeleteObjectRequest;
import io.tandem.config.v1.DropSessionsRequest;
import io.tandem.config.v1.DropSessionsResult;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.HistoryInfo;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import io.tandem.config.v1.WriteResult;
import io.tandem.configserver.store.ConfigStore;
import io.tandem.configserver.store.WriteRefusedException;
import io.tandem.configserver.watch.WatchHub;
import jakarta.inject.Inject;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code tandem.config.v1.ConfigService}: the gRPC face of the {@link ConfigStore}. */
public final class ConfigServiceImpl extends ConfigServiceGrpc.ConfigServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigServiceImpl.class);
  /** Per-request events, at most RateLimitedLog.BURST per window. */
  private static final RateLimitedLog PER_REQUEST = new RateLimitedLog(LOG);
  static final int DEFAULT_BATCH = 500;
  static final int MAX_BATCH = MessageLimits.MAX_SNAPSHOT_BATCH;

  private final ConfigStore store;
  private final WatchHub hub;

  @Inject
  public ConfigServiceImpl(ConfigStore store, WatchHub hub) {
    this.store = store;
    this.hub = hub;
  }

  @Override
  public void getObject(GetObjectRequest request, StreamObserver<ConfigObject> out) {
    respond(out, () -> {
      checkType(request.getType(), "type");
      checkName(request.getName(), "name");
      return store.get(request.getType(), request.getName())
          .orElseThrow(() -> Status.NOT_FOUND.withDescription(
              "no " + ObjectTypes.displayName(request.getType()) + " '" + request.getName() + "'").asRuntimeException());
    });
  }

  /** The service to bind: the generated one, with ListObjects answering in kept encodings. */
  public ServerServiceDefinition definition() {
    ServerServiceDefinition generated = super.bindService();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(ConfigServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(generated.getServiceDescriptor().getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      descriptor.addMethod(method.getMethodDescriptor().getFullMethodName()
          .equals(EncodedListObjects.METHOD.getFullMethodName()) ? EncodedListObjects.METHOD : method.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(descriptor.build());
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      if (!method.getMethodDescriptor().getFullMethodName().equals(EncodedListObjects.METHOD.getFullMethodName())) {
        service.addMethod(method);
      }
    }
    return service.addMethod(EncodedListObjects.METHOD, ServerCalls.asyncServerStreamingCall(this::listObjectsEncoded))
        .build();
  }

  private void listObjectsEncoded(ListObjectsRequest request, StreamObserver<byte[]> responseObserver) {
    Set<ObjectType> types = EnumSet.noneOf(ObjectType.class);
    int batchSize;
    try {
      for (int i = 0; i < request.getTypesCount(); i++) {
        checkType(request.getTypes(i), "types[" + i + "]");
        types.add(request.getTypes(i));
      }
      batchSize = request.getBatchSize() == 0 ? DEFAULT_BATCH : request.getBatchSize();
      if (batchSize < 1 || batchSize > MAX_BATCH) {
        throw Status.INVALID_ARGUMENT.withDescription("batch_size: " + request.getBatchSize()
            + " is not in 1.." + MAX_BATCH + " (0 = " + DEFAULT_BATCH + ")").asRuntimeException();
      }
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
      return;
    }
    long begin = System.nanoTime();
    Caller caller = Caller.current();
    ConfigStore.EncodedListing listing = store.listEncoded(types);
    SnapshotBatches batches = new SnapshotBatches(listing.objects(), listing.eventId(), batchSize,
        MessageLimits.BATCH_BYTES);
    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) responseObserver;
    Runnable sender = new Runnable() {
      private int sent;
      private boolean done;

      @Override
      public void run() {
        while (!done && out.isReady() && !out.isCancelled()) {
          out.onNext(batches.next());
          sent++;
          if (!batches.hasNext()) {
            done = true;
            out.onCompleted();
            PER_REQUEST.emit(LogEvent.SNAPSHOT_SERVED, "caller", caller, "types", types.isEmpty() ? "all" : types,
                "objects", listing.objects().size(), "batches", sent, "event_id", listing.eventId(),
                "ms", (System.nanoTime() - begin) / 1_000_000);
          }
        }
      }
    };
    out.setOnReadyHandler(sender);
    sender.run();
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> out) {
    if (request.getAfterEventId() < 0) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(
          "after_event_id: " + request.getAfterEventId() + " is negative").asRuntimeException());
      return;
    }
    if (!request.getClientName().isEmpty()) {
      var problem = Names.problem(request.getClientName());
      if (problem.isPresent()) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("client_name: " + problem.get()).asRuntimeException());
        return;
      }
    }
    try {
      store.catchUpTo(request.getAfterEventId());
    } catch (WriteRefusedException e) {
      out.onError(refusal(e));
      return;
    }
    hub.open(request.getAfterEventId(), request.getClientName(), Caller.current().toString(),
        (ServerCallStreamObserver<WatchResponse>) out);
  }

  @Override
  public void createObject(CreateObjectRequest request, StreamObserver<WriteResult> out) {
    respond(out, () -> written(store.create(request.getObject())));
  }

  @Override
  public void updateObject(UpdateObjectRequest request, StreamObserver<WriteResult> out) {
    respond(out, () -> written(store.update(request.getObject(), request.getExpectedVersion())));
  }

  @Override
  public void deleteObject(DeleteObjectRequest request, StreamObserver<WriteResult> out) {
    respond(out, () -> {
      checkType(request.getType(), "type");
      checkName(request.getName(), "name");
      return written(store.delete(request.getType(), request.getName(), request.getExpectedVersion()));
    });
  }

  @Override
  public void setOption(SetOptionRequest request, StreamObserver<WriteResult> out) {
    respond(out, () -> {
      checkName(request.getApplication(), "application");
      return written(store.setOption(request.getApplication(), request.getSection(), request.getKey(),
          request.getValue(), request.getRemove()));
    });
  }

  @Override
  public void applyObjects(ApplyObjectsRequest request, StreamObserver<ApplyObjectsResult> out) {
    respond(out, () -> {
      long begin = System.nanoTime();
      ConfigStore.Applied applied = store.apply(request.getObjectsList());
      EventLog.emit(LOG, LogEvent.OBJECTS_APPLIED, "caller", Caller.current(), "created", applied.created(),
          "updated", applied.updated(), "unchanged", applied.unchanged(), "head", applied.headEventId(),
          "ms", (System.nanoTime() - begin) / 1_000_000);
      return ApplyObjectsResult.newBuilder().setCreated(applied.created()).setUpdated(applied.updated())
          .setUnchanged(applied.unchanged()).setHeadEventId(applied.headEventId()).build();
    });
  }

  @Override
  public void getHistoryInfo(GetHistoryInfoRequest request, StreamObserver<HistoryInfo> out) {
    respond(out, () -> historyInfo(store.figures()));
  }

  @Override
  public void expireHistory(ExpireHistoryRequest request, StreamObserver<HistoryInfo> out) {
    respond(out, () -> historyInfo(store.expireHistory("operator request from " + Caller.current())));
  }

  @Override
  public void dropSessions(DropSessionsRequest request, StreamObserver<DropSessionsResult> out) {
    respond(out, () -> DropSessionsResult.newBuilder()
        .setSessionsDropped(hub.dropAll("sessions dropped by operator request from " + Caller.current()))
        .build());
  }

  private HistoryInfo historyInfo(ConfigStore.HistoryFigures figures) {
    HistoryInfo.Builder info = HistoryInfo.newBuilder()
        .setOldestRetainedEventId(figures.oldestRetained())
        .setHeadEventId(figures.head())
        .setRecords(figures.records())
        .setMaxRecords(figures.maxRecords())
        .setExpirationMs(figures.expiration().toMillis())
        .setObjects(figures.objects());
    for (WatchHub.SessionInfo session : hub.sessions()) {
      info.addClients(ClientSession.newBuilder().setClientName(session.clientName()).setPeer(session.peer())
          .setPosition(session.position()).setConnectedAt(Timestamps.fromMillis(session.connectedAt().toEpochMilli())));
    }
    return info.build();
  }

  /**
   * The answer to a write. An object over the object limit (stored before the limit, and being
   * repaired) goes without its body: it may be larger than any message can carry, and the write
   * it answers is done.
   */
  private static WriteResult written(ConfigStore.Written written) {
    ConfigObject object = written.object();
    if (object.getSerializedSize() > MessageLimits.MAX_OBJECT_BYTES) {
      object = object.toBuilder().clearBody().build();
    }
    return WriteResult.newBuilder().setObject(object).setEventId(written.eventId()).build();
  }

  private static void checkType(ObjectType type, String field) {
    if (!ConfigStore.TYPES.contains(type)) {
      throw Status.INVALID_ARGUMENT.withDescription(field + ": unknown type " + type
          + " (one of APPLICATION, AGENT, AGENT_GROUP, QUEUE)").asRuntimeException();
    }
  }

  private static void checkName(String name, String field) {
    Names.check(field, name);
  }

  /** Runs a unary call, turning refusals into the status codes clients expect. */
  private static <T> void respond(StreamObserver<T> out, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (StatusRuntimeException e) {
      out.onError(e);
      return;
    } catch (WriteRefusedException e) {
      out.onError(refusal(e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }

  private static StatusRuntimeException refusal(WriteRefusedException e) {
    Status status = switch (e.reason()) {
      case INVALID -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case STALE_VERSION -> Status.ABORTED;
      case IN_USE -> Status.FAILED_PRECONDITION;
      case NO_SPACE, TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
      case NOT_DURABLE -> Status.UNAVAILABLE;
    };
    return status.withDescription(e.getMessage()).asRuntimeException();
  }
}
