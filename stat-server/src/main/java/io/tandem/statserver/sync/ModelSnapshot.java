package io.tandem.statserver.sync;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.tandem.common.config.ConfigSource;
import io.tandem.config.v1.AgentGroup;
import io.tandem.config.v1.Application;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectBatch;
import io.tandem.config.v1.ObjectType;
import io.tandem.statserver.model.ConfigModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A snapshot read straight from its batches' encoding ({@code tandem.config.v1.ObjectBatch}) into
 * a {@link ConfigModel}: of each object only what the model keeps is decoded — its type and name,
 * a group's members, and Applications whole — and the rest (an agent's names, versions, dbids,
 * queue numbers) is skipped unread. A reload brings 100,000 objects at once; decoding each into
 * a {@code ConfigObject} first cost most of its time and garbage. Field numbers are the generated
 * classes' own; {@code ModelSnapshotTest} holds it to the generated parser.
 */
final class ModelSnapshot {
  private static final int LENGTH_DELIMITED = WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private final ConfigModel model;
  private final Map<String, Application> applications;
  private final List<String> members = new ArrayList<>();
  private long received;
  private boolean last;
  private long announced;
  private long consistentAt;

  /** Fills {@code model} with the agents, groups and queues, and {@code applications} with the Applications. */
  ModelSnapshot(ConfigModel model, Map<String, Application> applications) {
    this.model = model;
    this.applications = applications;
  }

  /** One batch, as it came. */
  void read(byte[] batch) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(batch);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case ObjectBatch.OBJECTS_FIELD_NUMBER -> {
          if (WireFormat.getTagWireType(tag) != LENGTH_DELIMITED) {
            throw new InvalidProtocolBufferException("objects: not a message");
          }
          int limit = in.pushLimit(in.readRawVarint32());
          readObject(in);
          in.popLimit(limit);
          received++;
        }
        case ObjectBatch.LAST_FIELD_NUMBER -> last = in.readBool();
        case ObjectBatch.CONSISTENT_AT_EVENT_ID_FIELD_NUMBER -> consistentAt = in.readInt64();
        case ObjectBatch.TOTAL_OBJECTS_FIELD_NUMBER -> announced = in.readInt64();
        default -> in.skipField(tag);
      }
    }
  }

  private void readObject(CodedInputStream in) throws IOException {
    int type = 0;
    String name = "";
    Application application = null;
    members.clear();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case ConfigObject.TYPE_FIELD_NUMBER -> type = in.readEnum();
        case ConfigObject.NAME_FIELD_NUMBER -> name = in.readStringRequireUtf8();
        case ConfigObject.APPLICATION_FIELD_NUMBER ->
            application = in.readMessage(Application.parser(), ExtensionRegistryLite.getEmptyRegistry());
        case ConfigObject.AGENT_GROUP_FIELD_NUMBER -> {
          int limit = in.pushLimit(in.readRawVarint32());
          for (int member = in.readTag(); member != 0; member = in.readTag()) {
            if (WireFormat.getTagFieldNumber(member) == AgentGroup.MEMBERS_FIELD_NUMBER) {
              members.add(in.readStringRequireUtf8());
            } else {
              in.skipField(member);
            }
          }
          in.popLimit(limit);
        }
        default -> in.skipField(tag);
      }
    }
    switch (ObjectType.forNumber(type) == null ? ObjectType.OBJECT_TYPE_UNSPECIFIED : ObjectType.forNumber(type)) {
      case AGENT -> model.putAgent(name);
      case AGENT_GROUP -> model.putGroup(name, members);
      case QUEUE -> model.putQueue(name);
      case APPLICATION -> applications.put(name, application == null ? Application.getDefaultInstance() : application);
      default -> { }
    }
  }

  /**
   * The event id the snapshot is consistent at, once its last batch came.
   *
   * @throws io.grpc.StatusRuntimeException when the stream was not whole (see {@link ConfigSource#checkWhole})
   */
  long consistentAt() {
    ConfigSource.checkWhole(last, announced, received);
    return consistentAt;
  }
}
