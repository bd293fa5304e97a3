package io.tandem.configserver.store;

import io.tandem.config.v1.ConfigObject;
import java.util.List;

/** Stored objects for tests outside the store's package. */
public final class StoredObjects {
  private StoredObjects() {}

  public static List<StoredObject> of(List<ConfigObject> objects) {
    return objects.stream().map(StoredObject::new).toList();
  }
}
