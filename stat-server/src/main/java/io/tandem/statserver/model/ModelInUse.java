package io.tandem.statserver.model;

import io.tandem.config.v1.ChangeEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the configuration model in use lives: the configuration session applies changes to it
 * in event-id order, or builds a new model beside it and swaps that in. The statistics engine
 * is the one a server runs; the simulator wraps it to check every change is applied once.
 */
public interface ModelInUse {
  /**
   * Changes from now on wait until {@link #completeReload} or {@link #abortReload}; completes with
   * the model in use, after every change submitted before it: the basis the new one is built beside.
   */
  CompletableFuture<ConfigModel> beginReload();

  /** Swaps {@code newModel} in (a first load or a reload); fails only if the swap did not happen. */
  CompletableFuture<Void> completeReload(ConfigModel newModel);

  /** The reload did not happen: what waited is applied to the model in use. */
  void abortReload();

  /** Incremental changes, in event-id order. */
  void applyChanges(List<ChangeEvent> events);
}
