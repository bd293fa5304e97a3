package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.StatusRuntimeException;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.WriteResult;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Config Server as its own process, killed with SIGKILL mid-stream of writes. */
class ConfigServerKillTest {
  @TempDir
  Path dir;

  @Test
  void everyAcknowledgedChangeSurvivesKillMinus9() throws Exception {
    int port = FreePorts.next();
    Path data = dir.resolve("data");
    List<String> args = List.of("--port", "" + port, "--data-dir", data.toString());
    Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService writers = Executors.newFixedThreadPool(3);
    try (ServiceProcess server = new ServiceProcess("config-server", Jars.configServer(), port, dir, args).startServing()) {
      ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(server.channel());
      for (int w = 0; w < 3; w++) {
        int writer = w;
        writers.submit(() -> {
          for (int i = 0; writing.get(); i++) {
            String name = "w" + writer + "-" + i;
            try {
              WriteResult result = stub.withDeadlineAfter(5, TimeUnit.SECONDS).createObject(CreateObjectRequest.newBuilder()
                  .setObject(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName(name)
                      .setAgent(Agent.newBuilder().setEmployeeId("E" + i))).build());
              acknowledged.put(name, result.getEventId());
            } catch (StatusRuntimeException e) {
              return null; // the server is gone: this write was not acknowledged
            }
          }
          return null;
        });
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 300);
      server.kill();
      writing.set(false);
      writers.shutdown();
      assertThat(writers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    try (ServiceProcess restarted = new ServiceProcess("config-server", Jars.configServer(), port, dir, args).startServing()) {
      ConfigServiceGrpc.ConfigServiceBlockingStub stub = ConfigServiceGrpc.newBlockingStub(restarted.channel());
      Map<String, Long> stored = new HashMap<>();
      stub.listObjects(ListObjectsRequest.newBuilder().addTypes(ObjectType.AGENT).build())
          .forEachRemaining(batch -> batch.getObjectsList().forEach(o -> stored.put(o.getName(), o.getDbid())));
      assertThat(stored.keySet()).containsAll(acknowledged.keySet());
      long head = stub.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
      assertThat(head).as("ids are gap-free: one event per stored object").isEqualTo(stored.size());
      assertThat(acknowledged.values()).allSatisfy(eventId -> assertThat(eventId).isLessThanOrEqualTo(head));
      assertThat(restarted.logLines("21-20001 Journal recovered")).isNotEmpty();

      WriteResult next = stub.createObject(CreateObjectRequest.newBuilder().setObject(ConfigObject.newBuilder()
          .setType(ObjectType.AGENT).setName("after-restart")).build());
      assertThat(next.getEventId()).as("ids continue, never reused").isEqualTo(head + 1);
    }
  }
}
