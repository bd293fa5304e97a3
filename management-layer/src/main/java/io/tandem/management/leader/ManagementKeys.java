package io.tandem.management.leader;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.tandem.etcd.EtcdSettings;

/**
 * The Management Layers' keys in etcd, under {@code --etcd-prefix}: {@code management/leader},
 * {@code management/epoch} and one {@code management/pairs/FIRST/SECOND} per pair.
 */
public final class ManagementKeys {
  private ManagementKeys() {}

  public static ByteString leader(EtcdSettings etcd) {
    return ByteString.copyFromUtf8(etcd.prefix() + "management/leader");
  }

  public static ByteString epoch(EtcdSettings etcd) {
    return ByteString.copyFromUtf8(etcd.prefix() + "management/epoch");
  }

  public static ByteString pairs(EtcdSettings etcd) {
    return ByteString.copyFromUtf8(etcd.prefix() + "management/pairs/");
  }

  /** The guard of every write a leader makes: {@code leaderKey} is still the one its leadership created. */
  static Compare stillLeading(ByteString leaderKey, long leadership) {
    return Compare.newBuilder().setKey(leaderKey).setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(leadership).build();
  }
}
