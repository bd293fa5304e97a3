package io.tandem.configserver.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.v1.Agent;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import io.tandem.configserver.store.StoredObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Batches encoded from kept encodings are, byte for byte, the ObjectBatch messages protobuf would write. */
class SnapshotBatchesTest {
  private static List<ConfigObject> objects(Random random, int count) {
    List<ConfigObject> objects = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("agent" + i).setDbid(i + 1)
          .setVersion(1).setAgent(Agent.newBuilder().setFirstName("x".repeat(random.nextInt(300)))).build());
    }
    return objects;
  }

  /** The batches the generated classes make, by the same rule. */
  private static List<byte[]> expected(List<ConfigObject> objects, long consistentAt, int batchSize, long maxBytes) {
    List<byte[]> batches = new ArrayList<>();
    int next = 0;
    do {
      ObjectBatch.Builder batch = ObjectBatch.newBuilder();
      long bytes = 0;
      while (next < objects.size() && batch.getObjectsCount() < batchSize
          && (batch.getObjectsCount() == 0 || bytes + objects.get(next).getSerializedSize() <= maxBytes)) {
        bytes += objects.get(next).getSerializedSize();
        batch.addObjects(objects.get(next++));
      }
      if (next == objects.size()) {
        batch.setLast(true).setConsistentAtEventId(consistentAt).setTotalObjects(objects.size());
      }
      batches.add(batch.build().toByteArray());
    } while (next < objects.size());
    return batches;
  }

  @Test
  void theBytesAreTheGeneratedMessagesForEveryCutAndSize() {
    Random random = new Random(11);
    for (int round = 0; round < 40; round++) {
      List<ConfigObject> objects = objects(random, random.nextInt(120));
      int batchSize = 1 + random.nextInt(50);
      long maxBytes = 50L + random.nextInt(5000);
      long consistentAt = random.nextInt(3);
      SnapshotBatches batches = new SnapshotBatches(StoredObjects.of(objects), consistentAt, batchSize, maxBytes);
      List<byte[]> made = new ArrayList<>();
      while (batches.hasNext()) {
        made.add(batches.next());
      }
      List<byte[]> expected = expected(objects, consistentAt, batchSize, maxBytes);
      assertThat(made).as("round " + round).hasSameSizeAs(expected);
      for (int i = 0; i < made.size(); i++) {
        assertThat(made.get(i)).as("round " + round + " batch " + i).isEqualTo(expected.get(i));
      }
      assertThat(batches.sent()).isEqualTo(objects.size());
    }
  }
}
