package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotApiTest {
  private static final int AGENTS = 20_000;

  @TempDir
  Path dataDir;

  private ConfigServerFixture server;

  @BeforeEach
  void start() throws Exception {
    server = ConfigServerFixture.start(dataDir);
    for (int chunk = 0; chunk < AGENTS; chunk += 2000) {
      ApplyObjectsRequest.Builder request = ApplyObjectsRequest.newBuilder();
      for (int i = chunk; i < chunk + 2000; i++) {
        request.addObjects(agent(String.format("agent%06d", i)));
      }
      server.blocking.applyObjects(request.build());
    }
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aSnapshotComesInBatchesOfHundredsAndEndsWithItsEventId() {
    List<ObjectBatch> batches = new ArrayList<>();
    server.blocking.listObjects(ListObjectsRequest.getDefaultInstance()).forEachRemaining(batches::add);
    assertThat(batches).hasSize(AGENTS / 500);
    assertThat(batches.subList(0, batches.size() - 1)).allSatisfy(b -> {
      assertThat(b.getObjectsCount()).isEqualTo(500);
      assertThat(b.getLast()).isFalse();
    });
    ObjectBatch last = batches.get(batches.size() - 1);
    assertThat(last.getLast()).isTrue();
    assertThat(last.getConsistentAtEventId()).isEqualTo(AGENTS);
    assertThat(last.getTotalObjects()).isEqualTo(AGENTS);
  }

  @Test
  void writersAreNotBlockedWhileASnapshotStreamsAndItStaysConsistent() {
    Iterator<ObjectBatch> snapshot = server.blocking.withDeadlineAfter(30, TimeUnit.SECONDS)
        .listObjects(ListObjectsRequest.newBuilder().setBatchSize(100).build());
    List<ConfigObject> seen = new ArrayList<>(snapshot.next().getObjectsList());

    // The client reads nothing more: the stream is stalled by flow control. Writes go through.
    WriteResult write = server.blocking.withDeadlineAfter(5, TimeUnit.SECONDS)
        .createObject(CreateObjectRequest.newBuilder().setObject(agent("late-arrival")).build());
    assertThat(write.getEventId()).isEqualTo(AGENTS + 1);

    long consistentAt = 0;
    while (snapshot.hasNext()) {
      ObjectBatch batch = snapshot.next();
      seen.addAll(batch.getObjectsList());
      consistentAt = batch.getConsistentAtEventId();
    }
    assertThat(consistentAt).isEqualTo(AGENTS);
    assertThat(seen).hasSize(AGENTS).extracting(ConfigObject::getName).doesNotContain("late-arrival");
  }
}
