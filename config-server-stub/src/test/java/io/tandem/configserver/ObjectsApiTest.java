package io.tandem.configserver;

import static io.tandem.configserver.Objects.agent;
import static io.tandem.configserver.Objects.group;
import static io.tandem.configserver.Objects.queue;
import static io.tandem.configserver.Objects.statServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.CreateObjectRequest;
import io.tandem.config.v1.DeleteObjectRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.ListObjectsRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.OptionSection;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.config.v1.UpdateObjectRequest;
import io.tandem.config.v1.WriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectsApiTest {
  @TempDir
  Path dataDir;

  private ConfigServerFixture server;

  @BeforeEach
  void start() throws Exception {
    server = ConfigServerFixture.start(dataDir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private WriteResult create(ConfigObject object) {
    return server.blocking.createObject(CreateObjectRequest.newBuilder().setObject(object).build());
  }

  private long head() {
    return server.blocking.getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()).getHeadEventId();
  }

  private ConfigObject get(ObjectType type, String name) {
    return server.blocking.getObject(GetObjectRequest.newBuilder().setType(type).setName(name).build());
  }

  private List<ConfigObject> list(ObjectType... types) {
    List<ConfigObject> all = new ArrayList<>();
    server.blocking.listObjects(ListObjectsRequest.newBuilder().addAllTypes(List.of(types)).build())
        .forEachRemaining(batch -> all.addAll(batch.getObjectsList()));
    return all;
  }

  /** The call fails with {@code code}, a message containing every part of {@code message}, and writes nothing. */
  private void refused(ThrowingCallable call, Status.Code code, String... message) {
    long before = head();
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).contains(message);
    });
    assertThat(head()).as("nothing written").isEqualTo(before);
  }

  @Test
  void createGetUpdateDeleteAndList() {
    WriteResult created = create(agent("a1"));
    assertThat(created.getObject().getDbid()).isPositive();
    assertThat(created.getObject().getVersion()).isEqualTo(1);
    assertThat(created.getEventId()).isEqualTo(1);
    assertThat(get(ObjectType.AGENT, "a1").getAgent().getEmployeeId()).isEqualTo("E-a1");

    ConfigObject changed = agent("a1").toBuilder().setAgent(agent("a1").getAgent().toBuilder().setFirstName("Ada")).build();
    WriteResult updated = server.blocking.updateObject(
        UpdateObjectRequest.newBuilder().setObject(changed).setExpectedVersion(1).build());
    assertThat(updated.getObject().getVersion()).isEqualTo(2);
    assertThat(updated.getObject().getDbid()).isEqualTo(created.getObject().getDbid());
    assertThat(get(ObjectType.AGENT, "a1").getAgent().getFirstName()).isEqualTo("Ada");

    create(agent("a2"));
    create(queue("q1"));
    assertThat(list(ObjectType.AGENT)).extracting(ConfigObject::getName).containsExactly("a1", "a2");
    assertThat(list()).extracting(ConfigObject::getName).containsExactly("a1", "a2", "q1");

    server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.AGENT).setName("a2").build());
    assertThat(list(ObjectType.AGENT)).extracting(ConfigObject::getName).containsExactly("a1");
    refused(() -> get(ObjectType.AGENT, "a2"), Status.Code.NOT_FOUND, "no Agent 'a2'");
    assertThat(head()).isEqualTo(5);
  }

  @Test
  void dbidsAreNeverReusedAcrossDeletesAndRestarts() throws Exception {
    long first = create(agent("a1")).getObject().getDbid();
    server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.AGENT).setName("a1").build());
    long second = create(agent("a1")).getObject().getDbid();
    assertThat(second).isGreaterThan(first);
    server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.AGENT).setName("a1").build());
    server.close();
    server = ConfigServerFixture.start(dataDir);
    assertThat(create(agent("a1")).getObject().getDbid()).as("after a restart from the journal").isGreaterThan(second);
  }

  @Test
  void badObjectsAreRefusedNamingTheFieldAndNothingIsWritten() {
    create(agent("a1"));
    create(statServer("S_B", 2041, ""));
    refused(() -> create(agent("a1").toBuilder().setType(ObjectType.OBJECT_TYPE_UNSPECIFIED).build()),
        Status.Code.INVALID_ARGUMENT, "object.type: unknown type OBJECT_TYPE_UNSPECIFIED");
    refused(() -> create(agent("")), Status.Code.INVALID_ARGUMENT, "object.name: must not be empty");
    refused(() -> create(agent("a1")), Status.Code.INVALID_ARGUMENT, "object.name: Agent 'a1' already exists");
    refused(() -> create(group("g", "a1", "ghost")), Status.Code.INVALID_ARGUMENT,
        "object.agent_group.members[1]: no Agent named 'ghost'");
    refused(() -> create(group("g", "a1", "a1")), Status.Code.INVALID_ARGUMENT,
        "object.agent_group.members[1]: 'a1' is listed twice");
    refused(() -> create(statServer("S_A", 2040, "S_missing")), Status.Code.INVALID_ARGUMENT,
        "object.application.backup: no Application named 'S_missing'");
    refused(() -> create(statServer("S_A", 2040, "S_A")), Status.Code.INVALID_ARGUMENT,
        "object.application.backup: an application cannot be its own backup");
    refused(() -> create(statServer("S_A", 70000, "")), Status.Code.INVALID_ARGUMENT,
        "object.application.client_port: 70000 is not in 0..65535");
    refused(() -> create(agent("x").toBuilder().setType(ObjectType.QUEUE).build()), Status.Code.INVALID_ARGUMENT,
        "object.agent: does not match type QUEUE");
    assertThat(list(ObjectType.AGENT_GROUP)).isEmpty();
    assertThat(list(ObjectType.APPLICATION)).extracting(ConfigObject::getName).containsExactly("S_B");
  }

  @Test
  void staleVersionsAreAbortedAndReferencedObjectsCannotBeDeleted() {
    create(agent("a1"));
    create(group("g", "a1"));
    refused(() -> server.blocking.updateObject(UpdateObjectRequest.newBuilder().setObject(agent("a1")).setExpectedVersion(7).build()),
        Status.Code.ABORTED, "Agent 'a1' is at version 1, not 7");
    refused(() -> server.blocking.updateObject(UpdateObjectRequest.newBuilder().setObject(agent("a1")).build()),
        Status.Code.INVALID_ARGUMENT, "expected_version: must be set");
    refused(() -> server.blocking.updateObject(UpdateObjectRequest.newBuilder().setObject(agent("zz")).setExpectedVersion(1).build()),
        Status.Code.NOT_FOUND, "no Agent 'zz'");
    refused(() -> server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.AGENT).setName("a1").build()),
        Status.Code.FAILED_PRECONDITION, "Agent 'a1' is still referred to by AgentGroup 'g'");
    refused(() -> server.blocking.deleteObject(DeleteObjectRequest.newBuilder().setType(ObjectType.AGENT).setName("a1")
        .setExpectedVersion(3).build()), Status.Code.ABORTED, "is at version 1, not 3");
  }

  @Test
  void setOptionChangesOneOptionAndIsIdempotent() {
    create(statServer("S_A", 2040, ""));
    WriteResult set = server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_A").setSection("statserver")
        .setKey("config-reload-delay-if-primary").setValue("true").build());
    assertThat(set.getObject().getApplication().getOptionsMap().get("statserver").getValuesMap())
        .containsEntry("config-reload-delay-if-primary", "true");
    long head = head();
    server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_A").setSection("statserver")
        .setKey("config-reload-delay-if-primary").setValue("true").build());
    assertThat(head()).as("no event for an unchanged value").isEqualTo(head);
    server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_A").setSection("statserver")
        .setKey("config-reload-delay-if-primary").setRemove(true).build());
    assertThat(get(ObjectType.APPLICATION, "S_A").getApplication().getOptionsMap()).isEmpty();
    refused(() -> server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("nope").setSection("s").setKey("k").build()),
        Status.Code.NOT_FOUND, "no Application 'nope'");
    refused(() -> server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_A").setSection("").setKey("k").build()),
        Status.Code.INVALID_ARGUMENT, "section: must not be empty");
  }

  @Test
  void setOptionRefusesValuesOverTheirLimitAndApplicationsPastTheObjectLimit() {
    create(statServer("S_A", 2040, ""));
    String fiveMegabytes = "x".repeat(5_000_000);
    for (int call = 0; call < 2; call++) {
      String key = "big-" + call;
      refused(() -> server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_A").setSection("statserver")
          .setKey(key).setValue(fiveMegabytes).build()), Status.Code.INVALID_ARGUMENT,
          "value: the value of option statserver/" + key + " is 5000000 bytes long, more than the maximum of 65536 bytes"
              + " an option value may have");
    }

    String atTheLimit = "v".repeat(65_536);
    ConfigObject.Builder full = statServer("S_B", 2041, "").toBuilder();
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < 63; i++) {
      values.put("key-" + i, atTheLimit);
    }
    full.getApplicationBuilder().putOptions("statserver", OptionSection.newBuilder().putAllValues(values).build());
    create(full.build());
    refused(() -> server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_B").setSection("statserver")
        .setKey("one-more").setValue(atTheLimit).build()), Status.Code.INVALID_ARGUMENT,
        "option statserver/one-more: Application 'S_B' is ", "bytes, more than the maximum of 4194304 bytes an object may have");
    assertThat(get(ObjectType.APPLICATION, "S_A").getApplication().getOptionsMap()).isEmpty();
  }

  @Test
  void applyIsAllOrNothingAndResolvesReferencesWithinTheRequest() {
    var result = server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(statServer("S_A", 2040, "S_B"))
        .addObjects(group("g", "a1", "a2"))
        .addObjects(statServer("S_B", 2041, ""))
        .addObjects(agent("a1"))
        .addObjects(agent("a2"))
        .build());
    assertThat(result.getCreated()).isEqualTo(5);
    assertThat(result.getHeadEventId()).isEqualTo(5);
    var again = server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(agent("a1")).addObjects(group("g", "a1")).build());
    assertThat(again.getUnchanged()).isEqualTo(1);
    assertThat(again.getUpdated()).isEqualTo(1);
    refused(() -> server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(agent("a3")).addObjects(group("g2", "a3", "ghost")).build()),
        Status.Code.INVALID_ARGUMENT, "objects[1].agent_group.members[1]: no Agent named 'ghost'");
    refused(() -> server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(agent("a4")).addObjects(agent("a4")).build()),
        Status.Code.INVALID_ARGUMENT, "objects[1].name: Agent 'a4' appears twice in the request");
    assertThat(list(ObjectType.AGENT)).extracting(ConfigObject::getName).containsExactly("a1", "a2");
  }

  @Test
  void applyObjectsWithNoObjectsIsRefused() {
    refused(() -> server.blocking.applyObjects(ApplyObjectsRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "objects: no objects to apply");
  }

  @Test
  void badRequestsNameTheField() {
    refused(() -> get(ObjectType.OBJECT_TYPE_UNSPECIFIED, "x"), Status.Code.INVALID_ARGUMENT, "type: unknown type");
    refused(() -> get(ObjectType.AGENT, " "), Status.Code.INVALID_ARGUMENT, "name: must not be empty");
    refused(() -> list(ObjectType.OBJECT_TYPE_UNSPECIFIED), Status.Code.INVALID_ARGUMENT, "types[0]: unknown type");
    refused(() -> server.blocking.listObjects(ListObjectsRequest.newBuilder().setBatchSize(100_000).build()).hasNext(),
        Status.Code.INVALID_ARGUMENT, "batch_size: 100000 is not in 1..5000");
  }

  @Test
  void anApplicationIsTheBackupOfAtMostOneApplication() {
    create(statServer("B", 2041, ""));
    create(statServer("A", 2040, "B"));
    refused(() -> create(statServer("C", 2042, "B")), Status.Code.INVALID_ARGUMENT,
        "object.application.backup: Application 'B' is already the backup of 'A'");
    refused(() -> server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(statServer("E", 2044, "")).addObjects(statServer("C", 2042, "B")).build()),
        Status.Code.INVALID_ARGUMENT, "objects[1].application.backup: Application 'B' is already the backup of 'A'");
    ConfigObject d = create(statServer("D", 2043, "")).getObject();
    refused(() -> server.blocking.updateObject(UpdateObjectRequest.newBuilder().setExpectedVersion(d.getVersion())
        .setObject(statServer("D", 2043, "B")).build()), Status.Code.INVALID_ARGUMENT,
        "object.application.backup: Application 'B' is already the backup of 'A'");

    // Moving the backup in one request is fine: A lets go of B as C takes it.
    server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(statServer("A", 2040, "")).addObjects(statServer("C", 2042, "B")).build());
    assertThat(get(ObjectType.APPLICATION, "C").getApplication().getBackup()).isEqualTo("B");
    // Naming each other is one pair, not two backups of one application.
    ConfigObject b = get(ObjectType.APPLICATION, "B");
    server.blocking.updateObject(UpdateObjectRequest.newBuilder().setExpectedVersion(b.getVersion())
        .setObject(statServer("B", 2041, "C")).build());
  }

  @Test
  void aNewApplicationCannotTakeAMemberOutOfItsPair() {
    server.blocking.applyObjects(ApplyObjectsRequest.newBuilder()
        .addObjects(statServer("S_A", 2040, "S_B")).addObjects(statServer("S_B", 2041, "")).build());
    refused(() -> create(statServer("R", 2042, "S_A")), Status.Code.INVALID_ARGUMENT,
        "object.application.backup: Application 'S_A' already has 'S_B' as its backup; an application is in at most"
            + " one pair");
    create(statServer("T", 2043, ""));
    ConfigObject b = get(ObjectType.APPLICATION, "S_B");
    refused(() -> server.blocking.updateObject(UpdateObjectRequest.newBuilder().setExpectedVersion(b.getVersion())
        .setObject(statServer("S_B", 2041, "T")).build()), Status.Code.INVALID_ARGUMENT,
        "object.application.backup: Application 'S_B' is already the backup of 'S_A', so it cannot also have 'T' as its"
            + " backup");
  }
}
