package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WatchRequest;
import io.tandem.config.v1.WatchResponse;
import io.tandem.config.v1.WriteResult;
import io.tandem.management.v1.SwitchoverResult;
import io.tandem.testing.EtcdCluster;
import io.tandem.testing.LogTails;
import io.tandem.testing.StackMember;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration in a real three-member etcd cluster (mutual TLS, as every other link), served
 * by two Config Server processes; the Management Layer and the pair are given both.
 */
@Order(6)
class EtcdScenariosTest {
  @TempDir
  Path dir;

  @BeforeAll
  static void etcdIsInstalled() {
    EtcdCluster.requireBinary();
  }

  /** What a scenario does with the stack and its etcd cluster. */
  private interface Scenario {
    void run(PairStack stack, EtcdCluster etcd) throws Exception;
  }

  private void overEtcd(Scenario scenario) throws Exception {
    PairStack stack = new PairStack(dir, PairStack.Setup.pair("true", "yes"));
    try (EtcdCluster etcd = EtcdCluster.startTls(dir.resolve("etcd"), 3, PairStack.WAIT, stack.stack)) {
      stack.withEtcd(etcd.endpoints()).start();
      try {
        scenario.run(stack, etcd);
      } catch (Exception | Error e) {
        LogTails.attach(e, () -> stack.logTails(PairStack.LOG_LINES_ON_FAILURE) + etcd.logTails(20));
        throw e;
      } finally {
        stack.close();
      }
    }
  }

  @Test
  void s18AConfigServerKilledWhileWritersWriteAndAProtectedReloadRunsCostsThePairNothing() throws Exception {
    overEtcd((stack, etcd) -> {
      StackMember first = stack.config();
      StackMember second = stack.stack.member(PairStack.CONFIG_SERVER_2);
      String primary = stack.primary();
      Map<String, Long> reloadsBefore = new HashMap<>();
      for (String member : List.of(PairStack.A, PairStack.B)) {
        reloadsBefore.put(member, stack.info(member).getReloadCount());
      }
      Map<String, Long> acknowledged = new ConcurrentHashMap<>();
      AtomicBoolean writing = new AtomicBoolean(true);
      ExecutorService writers = Executors.newFixedThreadPool(2);
      List<Future<?>> done = new ArrayList<>();
      try (HealthTimeline health = stack.watchHealth(); CallingClient client = new CallingClient(stack)) {
        await().atMost(PairStack.WAIT).until(() -> client.ok.get() > 100);
        for (StackMember through : List.of(first, second)) {
          ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(through.channel());
          done.add(writers.submit(() -> {
            for (int i = 0; writing.get(); i++) {
              String name = through.name() + "-" + i;
              try {
                acknowledged.put(name, stub.withDeadlineAfter(10, TimeUnit.SECONDS).createObject(
                    CreateObjectRequest.newBuilder().setObject(agent(name, "E" + i)).build()).getEventId());
              } catch (StatusRuntimeException e) {
                if (through == second) {
                  throw e; // the survivor refuses nothing
                }
                return null; // killed: this write was not acknowledged
              }
            }
            return null;
          }));
        }
        await().atMost(PairStack.WAIT).until(() -> acknowledged.size() >= 50);
        // S3 over the survivor: every session expires, the pair reloads in protected mode...
        ConfigServiceGrpc.newBlockingStub(second.channel()).expireHistory(ExpireHistoryRequest.getDefaultInstance());
        // ...and the Config Server most of them are connected to dies meanwhile.
        first.kill();
        int atKill = acknowledged.size();
        await().atMost(PairStack.WAIT).until(() -> acknowledged.size() >= atKill + 100);
        await().atMost(PairStack.WAIT).until(() -> stack.logged(primary, "02-10085").size() == 1);
        await().atMost(PairStack.WAIT).until(() -> stack.stats().stream().allMatch(s -> s.health().serving()));
        writing.set(false);
        for (Future<?> writer : done) {
          writer.get();
        }
        writers.shutdown();

        ConfigServiceGrpc.ConfigServiceBlockingStub survivor = ConfigServiceGrpc.newBlockingStub(second.channel());
        long head = survivor.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
        long okBefore = client.ok.get();
        await().atMost(PairStack.WAIT).until(() -> client.ok.get() > okBefore + 100);
        CallingClient.Served served = client.served(health);
        System.out.printf("S18: %d writes acknowledged; %s%n", acknowledged.size(), served);
        client.assertServedThroughout(served, health);
        assertThat(stack.pair().getLastSwitchover().getResult()).isEqualTo(SwitchoverResult.DONE);
        for (String member : List.of(PairStack.A, PairStack.B)) {
          await().atMost(PairStack.WAIT).until(() -> stack.info(member).getLastEventId() >= head);
          assertThat(stack.info(member).getReloadCount()).as(member + ": the expiry's reload, none for the kill")
              .isEqualTo(reloadsBefore.get(member) + 1);
          assertThat(stack.logged(member, "00-05083")).as(member + " says which replica it left and joined")
              .anySatisfy(line -> assertThat(line).contains("left=localhost:" + stack.configPort)
                  .contains("joined=localhost:" + stack.configPort2));
        }
        assertThat(agentNames(survivor)).containsAll(acknowledged.keySet());
        assertThat(new ArrayList<>(acknowledged.values())).as("no event id acknowledged twice").doesNotHaveDuplicates();
      }
    });
  }

  @Test
  void s19AndS20EtcdLosesItsLeaderThenItsQuorumAndThePairKeepsServing() throws Exception {
    overEtcd((stack, etcd) -> {
      ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(stack.config().channel());
      List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean writing = new AtomicBoolean(true);
      ExecutorService writer = Executors.newSingleThreadExecutor();
      Future<?> writes = writer.submit(() -> {
        for (int i = 0; writing.get(); i++) {
          try {
            stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                .createObject(CreateObjectRequest.newBuilder().setObject(agent("s19-" + i, "E" + i)).build());
            acknowledged.add("s19-" + i);
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).as("only while etcd elects").isEqualTo(Status.Code.UNAVAILABLE);
          }
        }
        return null;
      });
      try (HealthTimeline health = stack.watchHealth(); CallingClient client = new CallingClient(stack)) {
        // S19: the leader killed during constant writes.
        await().atMost(PairStack.WAIT).until(() -> acknowledged.size() >= 50);
        EtcdCluster.Member leader = etcd.awaitLeader(PairStack.WAIT);
        etcd.kill(leader);
        int atKill = acknowledged.size();
        await().atMost(PairStack.WAIT).until(() -> acknowledged.size() >= atKill + 50);
        writing.set(false);
        writes.get();
        etcd.restart(leader);

        // S20: two members of three gone: no quorum.
        List<EtcdCluster.Member> gone = etcd.members().subList(0, 2);
        for (EtcdCluster.Member member : gone) {
          etcd.kill(member);
        }
        long begin = System.nanoTime();
        assertThatThrownBy(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .createObject(CreateObjectRequest.newBuilder().setObject(agent("without-quorum", "Q")).build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("etcd at ");
            });
        long refusedAfterMs = (System.nanoTime() - begin) / 1_000_000;
        assertThat(stub.listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT).build()).hasNext())
            .as("reads go on").isTrue();
        for (EtcdCluster.Member member : gone) {
          etcd.restart(member);
        }
        await().atMost(PairStack.WAIT).ignoreExceptionsInstanceOf(StatusRuntimeException.class).until(() ->
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).createObject(CreateObjectRequest.newBuilder()
                .setObject(agent("quorum-back", "B")).build()).getEventId() > 0);
        long okBefore = client.ok.get();
        await().atMost(PairStack.WAIT).until(() -> client.ok.get() > okBefore + 100);
        CallingClient.Served served = client.served(health);
        System.out.printf("S19/S20: %d writes acknowledged; without quorum a write was refused after %d ms; %s%n",
            acknowledged.size(), refusedAfterMs, served);
        client.assertServedThroughout(served, health);
      }
      writer.shutdown();
      assertThat(agentNames(stub)).containsAll(acknowledged).contains("quorum-back");
    });
  }

  @Test
  void s21AFrozenConfigServerThawedAfterOthersWroteNeitherAcknowledgesStaleWritesNorReordersItsWatchers()
      throws Exception {
    overEtcd((stack, etcd) -> {
      StackMember frozen = stack.config();
      ConfigServiceGrpc.ConfigServiceBlockingStub viaFrozen = ConfigServiceGrpc.newBlockingStub(frozen.channel());
      ConfigServiceGrpc.ConfigServiceBlockingStub viaOther =
          ConfigServiceGrpc.newBlockingStub(stack.stack.member(PairStack.CONFIG_SERVER_2).channel());
      WriteResult created = viaOther.createObject(CreateObjectRequest.newBuilder()
          .setObject(agent("contested", "E0")).build());
      long from = created.getEventId();
      List<Long> watched = Collections.synchronizedList(new ArrayList<>());
      List<Status> watchEnded = Collections.synchronizedList(new ArrayList<>());
      ConfigServiceGrpc.newStub(frozen.channel()).watch(WatchRequest.newBuilder().setAfterEventId(from)
          .setClientName("s21").build(), new StreamObserver<WatchResponse>() {
            @Override
            public void onNext(WatchResponse response) {
              response.getChanges().getEventsList().stream().map(ChangeEvent::getEventId).forEach(watched::add);
            }

            @Override
            public void onError(Throwable t) {
              watchEnded.add(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              watchEnded.add(Status.OK);
            }
          });
      await().atMost(PairStack.WAIT).until(() -> viaFrozen.getObject(io.tandem.config.v1.GetObjectRequest.newBuilder()
          .setType(ObjectType.AGENT).setName("contested").build()).getVersion() == 1);

      frozen.pause();
      ExecutorService caller = Executors.newSingleThreadExecutor();
      Future<WriteResult> stale;
      try {
        // Sent to the frozen process before the other writes: on thaw its head is stale.
        stale = caller.submit(() -> viaFrozen.withDeadlineAfter(60, TimeUnit.SECONDS).updateObject(
            UpdateObjectRequest.newBuilder().setObject(agent("contested", "FROZEN")).setExpectedVersion(1).build()));
        viaOther.updateObject(UpdateObjectRequest.newBuilder().setObject(agent("contested", "OTHER"))
            .setExpectedVersion(1).build());
        for (int i = 0; i < 50; i++) {
          viaOther.createObject(CreateObjectRequest.newBuilder().setObject(agent("meanwhile-" + i, "M" + i)).build());
        }
      } finally {
        frozen.resume();
      }
      assertThatThrownBy(stale::get).hasCauseInstanceOf(StatusRuntimeException.class)
          .cause().satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
              .as("based on version 1, which the other Config Server replaced").isEqualTo(Status.Code.ABORTED));
      caller.shutdown();
      long head = viaOther.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
      await().atMost(PairStack.WAIT).until(() -> !watched.isEmpty() && watched.get(watched.size() - 1) == head);
      List<Long> expected = new ArrayList<>();
      for (long id = from + 1; id <= head; id++) {
        expected.add(id);
      }
      assertThat(watched).as("every event once, in order").isEqualTo(expected);
      assertThat(watchEnded).isEmpty();
      assertThat(viaFrozen.getObject(io.tandem.config.v1.GetObjectRequest.newBuilder().setType(ObjectType.AGENT)
          .setName("contested").build()).getAgent().getEmployeeId()).isEqualTo("OTHER");
    });
  }

  /** The names of every Agent the Config Server behind {@code stub} stores. */
  private static Set<String> agentNames(ConfigServiceGrpc.ConfigServiceBlockingStub stub) {
    Set<String> names = new HashSet<>();
    stub.listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT).build())
        .forEachRemaining(batch -> batch.getObjectsList().forEach(o -> names.add(o.getName())));
    return names;
  }

  private static ConfigObject agent(String name, String employeeId) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name)
        .setAgent(Agent.newBuilder().setEmployeeId(employeeId)).build();
  }
}
