package io.tandem.cli.config;

import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ApplyObjectsResult;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import java.util.Comparator;
import java.util.List;

/**
 * Sends many objects with ApplyObjects in chunks of at most {@link #CHUNK} objects and
 * {@link #CHUNK_BYTES} bytes (one larger object goes alone; the Config Server refuses objects
 * over {@link MessageLimits#MAX_OBJECT_BYTES}), referenced types first so every chunk's
 * references resolve. Each chunk is all-or-nothing.
 */
public final class ConfigLoader {
  static final int CHUNK = 2000;
  static final int CHUNK_BYTES = MessageLimits.MAX_OBJECT_BYTES;

  private ConfigLoader() {}

  /** Totals over every chunk. */
  public record Totals(int created, int updated, int unchanged, long headEventId) {}

  public static Totals apply(ConfigServiceGrpc.ConfigServiceBlockingStub stub, List<ConfigObject> objects) {
    List<ConfigObject> ordered = objects.stream().sorted(Comparator.comparing(ConfigObject::getType)).toList();
    int created = 0;
    int updated = 0;
    int unchanged = 0;
    long head = 0;
    for (int from = 0; from < ordered.size(); ) {
      ApplyObjectsRequest.Builder chunk = ApplyObjectsRequest.newBuilder();
      long bytes = 0;
      while (from < ordered.size() && chunk.getObjectsCount() < CHUNK
          && (chunk.getObjectsCount() == 0 || bytes + ordered.get(from).getSerializedSize() <= CHUNK_BYTES)) {
        bytes += ordered.get(from).getSerializedSize();
        chunk.addObjects(ordered.get(from++));
      }
      ApplyObjectsResult result = stub.applyObjects(chunk.build());
      created += result.getCreated();
      updated += result.getUpdated();
      unchanged += result.getUnchanged();
      head = result.getHeadEventId();
    }
    return new Totals(created, updated, unchanged, head);
  }
}
