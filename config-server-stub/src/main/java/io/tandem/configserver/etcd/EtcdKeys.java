package io.tandem.configserver.etcd;

import com.google.protobuf.ByteString;
import io.tandem.etcd.EtcdKv;

/**
 * Where the store lives under {@code --etcd-prefix}:
 *
 * <ul>
 *   <li>{@code head}: the last event id committed, the key every write compares;
 *   <li>{@code log/<first event id>}: one committed request's changes (ids zero-padded, so
 *       keys sort as the ids do);
 *   <li>{@code checkpoint}: which checkpoint is current; {@code checkpoints/<head>-<id>/<n>} its parts;
 *   <li>{@code probe}: never written, named by the start-up check of etcd's request limit.
 * </ul>
 */
record EtcdKeys(String prefix) {
  EtcdKeys {
    if (prefix.isEmpty() || !prefix.startsWith("/") || !prefix.endsWith("/")) {
      throw new IllegalArgumentException("--etcd-prefix: must start and end with '/', as /tandem/ does, not '" + prefix + "'");
    }
  }

  ByteString head() {
    return key("head");
  }

  ByteString log(long firstEventId) {
    return key("log/" + padded(firstEventId));
  }

  /** Every log key. */
  ByteString logStart() {
    return key("log/");
  }

  ByteString logEnd() {
    return EtcdKv.prefixEnd(logStart());
  }

  ByteString checkpoint() {
    return key("checkpoint");
  }

  ByteString checkpointPart(long head, String id, int part) {
    return checkpointParts(head, id).concat(ByteString.copyFromUtf8(String.format("%06d", part)));
  }

  ByteString checkpointParts(long head, String id) {
    return key("checkpoints/" + padded(head) + "-" + id + "/");
  }

  /** Where the parts of every checkpoint whose head is below {@code head} end. */
  ByteString checkpointsBelow(long head) {
    return key("checkpoints/" + padded(head));
  }

  ByteString checkpointsStart() {
    return key("checkpoints/");
  }

  ByteString probe() {
    return key("probe");
  }

  /** The event id of a log key. */
  long eventIdOf(ByteString logKey) {
    return Long.parseLong(logKey.substring(logStart().size()).toStringUtf8());
  }

  boolean isLog(ByteString key) {
    return key.startsWith(logStart());
  }

  private ByteString key(String suffix) {
    return ByteString.copyFromUtf8(prefix + suffix);
  }

  private static String padded(long id) {
    return String.format("%019d", id);
  }
}
