package io.tandem.cli.config;

import io.tandem.config.v1.ApplyObjectsRequest;
import io.tandem.config.v1.ApplyObjectsResult;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ConfigServiceGrpc;
import java.util.Comparator;
import java.util.List;

/**
 * Sends many objects with ApplyObjects in chunks that stay well under gRPC's 4 MiB message
 * limit, referenced types first so every chunk's references resolve.
 */
public final class ConfigLoader {
  static final int CHUNK = 2000;

  private ConfigLoader() {}

  /** Totals over every chunk. */
  public record Totals(int created, int updated, int unchanged, long headEventId) {}

  public static Totals apply(ConfigServiceGrpc.ConfigServiceBlockingStub stub, List<ConfigObject> objects) {
    List<ConfigObject> ordered = objects.stream().sorted(Comparator.comparing(ConfigObject::getType)).toList();
    int created = 0;
    int updated = 0;
    int unchanged = 0;
    long head = 0;
    for (int from = 0; from < ordered.size(); from += CHUNK) {
      ApplyObjectsResult result = stub.applyObjects(ApplyObjectsRequest.newBuilder()
          .addAllObjects(ordered.subList(from, Math.min(ordered.size(), from + CHUNK))).build());
      created += result.getCreated();
      updated += result.getUpdated();
      unchanged += result.getUnchanged();
      head = result.getHeadEventId();
    }
    return new Totals(created, updated, unchanged, head);
  }
}
