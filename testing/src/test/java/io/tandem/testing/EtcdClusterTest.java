package io.tandem.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.tandem.common.grpc.Channels;
import io.tandem.etcd.EtcdChannels;
import io.tandem.etcd.EtcdEndpoints;
import io.tandem.protocol.link.HostPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real three-member etcd cluster, reached through one channel over its endpoint list. */
class EtcdClusterTest {
  @TempDir
  Path dir;

  @BeforeAll
  static void etcdIsInstalled() {
    EtcdCluster.requireBinary();
  }

  /** What a test does with a three-member cluster and a channel over its endpoint list. */
  private interface ClusterWork {
    void run(EtcdCluster cluster, KVGrpc.KVBlockingStub kv) throws Exception;
  }

  /** Runs {@code work} with a channel over every member, the leader first: the one it talks to. */
  private void withCluster(ClusterWork work) throws Exception {
    try (EtcdCluster cluster = EtcdCluster.start(dir, 3, Duration.ofMinutes(1))) {
      EtcdCluster.Member leader = cluster.awaitLeader(Duration.ofMinutes(1));
      List<HostPort> leaderFirst = new ArrayList<>(List.of(leader.client()));
      cluster.members().stream().filter(m -> m != leader).forEach(m -> leaderFirst.add(m.client()));
      ManagedChannel channel = EtcdChannels.open(new EtcdEndpoints(leaderFirst), InsecureChannelCredentials.create());
      try {
        work.run(cluster, KVGrpc.newBlockingStub(channel));
      } catch (Exception | Error e) {
        LogTails.attach(e, () -> cluster.logTails(40));
        throw e;
      } finally {
        Channels.close(channel, Duration.ofSeconds(10));
      }
    }
  }

  @Test
  void writesThroughTheEndpointListGoOnWhenTheLeaderIsKilled() throws Exception {
    withCluster((cluster, kv) -> {
      long before = head(kv, 0);
      EtcdCluster.Member leader = cluster.awaitLeader(Duration.ofMinutes(1));
      cluster.kill(leader);

      // The channel was talking to the killed member: a write goes through once the others have
      // elected a leader, on the same channel.
      await().atMost(Duration.ofMinutes(1)).ignoreExceptionsInstanceOf(StatusRuntimeException.class)
          .until(() -> head(kv, before) == before + 1);
      assertThat(cluster.awaitLeader(Duration.ofMinutes(1))).isNotSameAs(leader);
    });
  }

  @Test
  void aWriteGuardedByAStaleHeadIsRefusedAndChangesNothing() throws Exception {
    withCluster((cluster, kv) -> {
      assertThat(head(kv, 0)).isEqualTo(1);
      assertThat(head(kv, 1)).isEqualTo(2);
      TxnResponse stale = advance(kv, 1);
      assertThat(stale.getSucceeded()).isFalse();
      assertThat(value(kv)).isEqualTo("2");
    });
  }

  /** Moves the head key from {@code expected} to the next value; the head after. */
  private static long head(KVGrpc.KVBlockingStub kv, long expected) {
    TxnResponse response = advance(kv, expected);
    return response.getSucceeded() ? expected + 1 : Long.parseLong(value(kv));
  }

  private static TxnResponse advance(KVGrpc.KVBlockingStub kv, long expected) {
    Compare guard = expected == 0
        ? Compare.newBuilder().setKey(key()).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0).build()
        : Compare.newBuilder().setKey(key()).setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.EQUAL).setValue(bytes(Long.toString(expected))).build();
    return kv.withDeadlineAfter(5, TimeUnit.SECONDS).txn(TxnRequest.newBuilder().addCompare(guard)
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key())
            .setValue(bytes(Long.toString(expected + 1)))))
        .build());
  }

  private static String value(KVGrpc.KVBlockingStub kv) {
    return kv.withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(key()).build())
        .getKvs(0).getValue().toStringUtf8();
  }

  private static ByteString key() {
    return bytes("/tandem/test/head");
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }
}
