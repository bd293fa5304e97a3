package io.tandem.statserver.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.config.Applications;
import io.tandem.config.v1.Agent;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.Queue;
import io.tandem.statserver.model.ConfigModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The snapshot decoder that skips what the model does not keep builds the model the generated parser would. */
class ModelSnapshotTest {
  /** A random contact center as the Config Server would list it, in batches of up to {@code perBatch}. */
  private static List<ObjectBatch> contactCenter(long seed, int perBatch) {
    Random random = new Random(seed);
    List<ConfigObject> objects = new ArrayList<>();
    long dbid = 0;
    objects.add(Applications.of("StatServer_A", ApplicationType.STAT_SERVER).port(2040).backup("StatServer_B")
        .option("statserver", "config-reload-delay-if-primary", "true").build().toBuilder().setDbid(++dbid).build());
    objects.add(Applications.of("StatServer_B", ApplicationType.STAT_SERVER).port(2041).build().toBuilder()
        .setDbid(++dbid).build());
    int agents = 50 + random.nextInt(200);
    for (int i = 0; i < agents; i++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("agent" + i + "é").setDbid(++dbid)
          .setVersion(1 + random.nextInt(5)).setAgent(Agent.newBuilder().setEmployeeId("E" + i)
              .setFirstName("Ada" + random.nextInt(99)).setLastName("Lovelace")).build());
    }
    for (int g = 0; g < 1 + random.nextInt(20); g++) {
      AgentGroup.Builder group = AgentGroup.newBuilder();
      for (int i = 0; i < agents; i++) {
        if (random.nextInt(4) == 0) {
          group.addMembers("agent" + i + "é");
        }
      }
      objects.add(ConfigObject.newBuilder().setType(ObjectType.AGENT_GROUP).setName("group" + g).setDbid(++dbid)
          .setAgentGroup(group).build());
    }
    for (int q = 0; q < 1 + random.nextInt(5); q++) {
      objects.add(ConfigObject.newBuilder().setType(ObjectType.QUEUE).setName("queue" + q).setDbid(++dbid)
          .setQueue(Queue.newBuilder().setDn("80" + q)).build());
    }
    List<ObjectBatch> batches = new ArrayList<>();
    for (int from = 0; from < objects.size(); from += perBatch) {
      ObjectBatch.Builder batch = ObjectBatch.newBuilder()
          .addAllObjects(objects.subList(from, Math.min(objects.size(), from + perBatch)));
      if (from + perBatch >= objects.size()) {
        batch.setLast(true).setConsistentAtEventId(4242).setTotalObjects(objects.size());
      }
      batches.add(batch.build());
    }
    return batches;
  }

  private static void assertSameModel(ConfigModel decoded, ConfigModel parsed) {
    assertThat(decoded.sizes()).isEqualTo(parsed.sizes());
    assertThat(decoded.groupNames()).containsExactlyInAnyOrderElementsOf(parsed.groupNames());
    for (String group : parsed.groupNames()) {
      assertThat(decoded.members(group)).as(group).isEqualTo(parsed.members(group));
      for (String agent : parsed.members(group)) {
        assertThat(decoded.contains(ObjectType.AGENT, agent)).isTrue();
        assertThat(decoded.groupsOf(agent)).as(agent).isEqualTo(parsed.groupsOf(agent));
      }
    }
  }

  @Test
  void decodesTheModelTheGeneratedParserWouldForManyContactCenters() throws Exception {
    for (long seed = 1; seed <= 50; seed++) {
      List<ObjectBatch> batches = contactCenter(seed, 1 + (int) (seed % 37));
      ConfigModel decoded = new ConfigModel();
      Map<String, Application> decodedApps = new HashMap<>();
      ModelSnapshot snapshot = new ModelSnapshot(decoded, decodedApps);
      ConfigModel parsed = new ConfigModel();
      Map<String, Application> parsedApps = new HashMap<>();
      for (ObjectBatch batch : batches) {
        snapshot.read(batch.toByteArray());
        for (ConfigObject object : ObjectBatch.parseFrom(batch.toByteArray()).getObjectsList()) {
          if (object.getType() == ObjectType.APPLICATION) {
            parsedApps.put(object.getName(), object.getApplication());
          } else {
            parsed.put(object);
          }
        }
      }
      assertThat(snapshot.consistentAt()).isEqualTo(4242);
      assertSameModel(decoded, parsed);
      assertThat(decodedApps).as("seed " + seed).isEqualTo(parsedApps);
    }
  }

  @Test
  void fieldsItDoesNotKnowAreSkipped() throws Exception {
    ConfigObject agent = ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("ann").setAgent(Agent.newBuilder()
        .setFirstName("Ann")).setUnknownFields(UnknownFieldSet.newBuilder().addField(99,
            UnknownFieldSet.Field.newBuilder().addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("later"))
                .addVarint(7).build()).build()).build();
    ObjectBatch batch = ObjectBatch.newBuilder().addObjects(agent).setLast(true).setTotalObjects(1)
        .setConsistentAtEventId(3).setUnknownFields(UnknownFieldSet.newBuilder().addField(50,
            UnknownFieldSet.Field.newBuilder().addFixed64(1).build()).build()).build();
    ConfigModel model = new ConfigModel();
    ModelSnapshot snapshot = new ModelSnapshot(model, new HashMap<>());
    snapshot.read(batch.toByteArray());
    assertThat(model.contains(ObjectType.AGENT, "ann")).isTrue();
    assertThat(snapshot.consistentAt()).isEqualTo(3);
  }

  @Test
  void aStreamThatIsNotWholeOrABatchThatIsDamagedIsRefused() throws Exception {
    List<ObjectBatch> batches = contactCenter(7, 10);
    ModelSnapshot withoutLast = new ModelSnapshot(new ConfigModel(), new HashMap<>());
    for (ObjectBatch batch : batches.subList(0, batches.size() - 1)) {
      withoutLast.read(batch.toByteArray());
    }
    assertThatThrownBy(withoutLast::consistentAt).isInstanceOfSatisfying(StatusRuntimeException.class, e ->
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

    ModelSnapshot missingOne = new ModelSnapshot(new ConfigModel(), new HashMap<>());
    for (ObjectBatch batch : batches) {
      missingOne.read((batch.getLast() ? batch.toBuilder().removeObjects(0).build() : batch).toByteArray());
    }
    assertThatThrownBy(missingOne::consistentAt).hasMessageContaining("INTERNAL: snapshot announced");

    byte[] bytes = batches.get(0).toByteArray();
    byte[] torn = java.util.Arrays.copyOf(bytes, bytes.length - 3);
    assertThatThrownBy(() -> new ModelSnapshot(new ConfigModel(), new HashMap<>()).read(torn))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }
}
