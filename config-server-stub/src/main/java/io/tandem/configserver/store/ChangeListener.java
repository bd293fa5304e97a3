package io.tandem.configserver.store;

import io.tandem.config.v1.ChangeEvent;
import java.util.List;

/** Told after changes are durable and visible, outside the store's lock. */
public interface ChangeListener {
  void onCommitted(List<ChangeEvent> events);
}
