package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WriteResult;
import io.tandem.common.process.FreePorts;
import io.tandem.testing.Launch;
import io.tandem.testing.MiniStack;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Config Server as its own process, killed with SIGKILL mid-stream of writes: two writers
 * create agents, one keeps updating the same agent, so the journal outgrows the objects and is
 * replaced by checkpoints while they write.
 */
class ConfigServerKillTest {
  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedChangeSurvivesKillMinus9() throws Exception {
    int port = FreePorts.next();
    Path data = dir.resolve("data");
    List<String> args = List.of("--port", "" + port, "--data-dir", data.toString(), "--checkpoint-after", "50");
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    AtomicLong hotVersion = new AtomicLong();
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService writers = Executors.newFixedThreadPool(3);
    Launch launch = ServiceJvm.launch(Service.CONFIG_SERVER, "config-server", port, args);
    try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.PROCESSES)) {
      StackMember server = stack.start(launch);
      ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(server.channel());
      // A short history log keeps checkpoints small, so they come often.
      stub.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
          .setType(ObjectType.APPLICATION).setName("confserv").setApplication(Application.newBuilder()
              .setAppType(ApplicationType.CONFIG_SERVER)
              .putOptions("history-log", OptionSection.newBuilder().putValues("max-records", "20").build())))
          .build());
      hotVersion.set(stub.createObject(CreateObjectRequest.newBuilder().setObject(agent("hot", 0)).build())
          .getObject().getVersion());
      var unused = writers.submit(() -> {
        for (int i = 1; writing.get(); i++) {
          try {
            WriteResult result = stub.withDeadlineAfter(5, TimeUnit.SECONDS).updateObject(UpdateObjectRequest.newBuilder()
                .setObject(agent("hot", i)).setExpectedVersion(hotVersion.get()).build());
            hotVersion.set(result.getObject().getVersion());
          } catch (StatusRuntimeException e) {
            return null; // the server is gone: this write was not acknowledged
          }
        }
        return null;
      });
      for (int w = 0; w < 2; w++) {
        int writer = w;
        var unused2 = writers.submit(() -> {
          for (int i = 0; writing.get(); i++) {
            String name = "w" + writer + "-" + i;
            try {
              WriteResult result = stub.withDeadlineAfter(5, TimeUnit.SECONDS).createObject(CreateObjectRequest.newBuilder()
                  .setObject(agent(name, i)).build());
              acknowledged.put(name, result.getEventId());
            } catch (StatusRuntimeException e) {
              return null; // the server is gone: this write was not acknowledged
            }
          }
          return null;
        });
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 300
          && !server.logLines(" 21-20019 ").isEmpty());
      server.kill();
      writing.set(false);
      writers.shutdown();
      assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    try (MiniStack stack = new MiniStack(dir, MiniStack.Mode.PROCESSES)) {
      StackMember restarted = stack.start(launch);
      ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(restarted.channel());
      Map<String, ConfigObject> stored = new HashMap<>();
      stub.listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT).build())
          .forEachRemaining(batch -> batch.getObjectsList().forEach(o -> stored.put(o.getName(), o)));
      assertThat(stored.keySet()).containsAll(acknowledged.keySet());
      long storedHotVersion = stored.get("hot").getVersion();
      assertThat(storedHotVersion).as("the last acknowledged update").isGreaterThanOrEqualTo(hotVersion.get());
      long head = stub.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
      assertThat(head).as("ids are gap-free: one event per create (agents and confserv) and per update")
          .isEqualTo(stored.size() + 1 + storedHotVersion - 1);
      assertThat(acknowledged.values()).allSatisfy(eventId -> assertThat(eventId).isLessThanOrEqualTo(head));
      assertThat(restarted.logLines("21-20001 Journal recovered")).isNotEmpty();
      assertThat(restarted.logLines(" 21-20019 ")).as("checkpoints were written before the kill").isNotEmpty();

      WriteResult next = stub.createObject(CreateObjectRequest.newBuilder().setObject(agent("after-restart", 0)).build());
      assertThat(next.getEventId()).as("ids continue, never reused").isEqualTo(head + 1);
    }
  }

  private static ConfigObject agent(String name, int i) {
    return ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name)
        .setAgent(Agent.newBuilder().setEmployeeId("E" + i)).build();
  }
}
