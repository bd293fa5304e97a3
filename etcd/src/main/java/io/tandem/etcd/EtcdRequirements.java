package io.tandem.etcd;

/** What Tandem needs of every etcd member it keeps a store in. */
public final class EtcdRequirements {
  /**
   * Every member's {@code --max-request-bytes}: Tandem commits each request (an ApplyObjects of up
   * to 8 MiB) as one etcd transaction so that every reader sees all of it or none, and etcd's
   * default (1.5 MiB) is too small for that. etcd's own advice is to stay at or below 10 MiB.
   */
  public static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;

  private EtcdRequirements() {}
}
