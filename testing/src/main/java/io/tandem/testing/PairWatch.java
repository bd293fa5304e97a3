package io.tandem.testing;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.management.v1.MemberStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.PairStatus;
import io.tandem.management.v1.PairsStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every status of the pairs the Management Layer publishes (its WatchPairs stream), for
 * invariants over the whole run: e.g. never two members acknowledging PRIMARY under one epoch.
 */
public final class PairWatch implements AutoCloseable {
  public final List<PairsStatus> seen = new CopyOnWriteArrayList<>();
  private final io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();

  public PairWatch(ManagedChannel management) {
    call.run(() -> ManagementServiceGrpc.newStub(management).watchPairs(GetPairsRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(PairsStatus status) {
            seen.add(status);
          }

          @Override
          public void onError(Throwable t) {
          }

          @Override
          public void onCompleted() {
          }
        }));
  }

  /** Statuses in which two members of a pair both acknowledged PRIMARY under the same epoch. */
  public List<PairStatus> twoPrimariesUnderOneEpoch() {
    return seen.stream().flatMap(s -> s.getPairsList().stream()).filter(pair -> {
      List<MemberStatus> primaries = pair.getMembersList().stream()
          .filter(m -> m.getMode() == Mode.PRIMARY && m.getModeAcknowledged()).toList();
      return primaries.size() == 2 && primaries.get(0).getEpoch() == primaries.get(1).getEpoch();
    }).toList();
  }

  @Override
  public void close() {
    call.cancel(null);
  }
}
