package io.tandem.client;

import io.grpc.Status;
import io.tandem.stat.v1.StatisticValue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An open statistic's listener for tests: every value, and how the statistic ended, if it did. */
public final class RecordingListener implements StatisticSubscription.Listener {
  public final List<StatisticValue> values = new CopyOnWriteArrayList<>();
  public final List<String> ended = new CopyOnWriteArrayList<>();

  @Override
  public void onValue(StatisticValue value) {
    values.add(value);
  }

  @Override
  public void onClosed(String reason) {
    ended.add(reason);
  }

  @Override
  public void onFailed(Status status) {
    ended.add(status.toString());
  }

  /** The latest value (the statistic must have sent one). */
  public StatisticValue last() {
    return values.get(values.size() - 1);
  }
}
