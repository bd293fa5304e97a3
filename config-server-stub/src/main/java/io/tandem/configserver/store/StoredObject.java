package io.tandem.configserver.store;

import io.tandem.config.v1.ConfigObject;

/**
 * An object as the store holds it, with its encoding kept once made: every snapshot sends every
 * object, and encoding 100,000 of them again for each one (their strings above all) was most of
 * what a snapshot cost the Config Server. Objects are immutable, so the encoding never goes stale;
 * two snapshots encoding it at once make the same bytes.
 */
public final class StoredObject {
  private final ConfigObject object;
  private volatile byte[] encoded;

  StoredObject(ConfigObject object) {
    this.object = object;
  }

  public ConfigObject object() {
    return object;
  }

  /** Its {@code ConfigObject} encoding (do not change the array). */
  public byte[] encoded() {
    byte[] bytes = encoded;
    if (bytes == null) {
      bytes = object.toByteArray();
      encoded = bytes;
    }
    return bytes;
  }
}
