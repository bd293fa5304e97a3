package io.tandem.simulation;

import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.statserver.model.ConfigModel;
import io.tandem.statserver.model.ModelInUse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The model in use of one Stat Server process: the real statistics engine's, between it and the
 * configuration session, which is what every load and change passes through. Each change is
 * checked against the Config Server's log (applied once, in order, none skipped), and the
 * objects in hand are kept whole for the settled check (the engine's model keeps names only).
 * The engine's answers are waited for on virtual time: the session's thread blocks on them, as
 * it does in a server.
 */
final class ModelInHand implements ModelInUse {
  private final String process;
  private final ModelInUse engine;
  private final Carrier thread;
  private final ConfigServerNode configServer;
  private final Invariants invariants;
  private final Map<String, ConfigObject> objects = new HashMap<>();
  private Message.Snapshot lastServed;
  private long lastApplied;

  ModelInHand(String process, ModelInUse engine, Carrier thread, ConfigServerNode configServer, Invariants invariants) {
    this.process = process;
    this.engine = engine;
    this.thread = thread;
    this.configServer = configServer;
    this.invariants = invariants;
  }

  /** The objects in hand, applications included, as the Config Server keeps them. */
  Map<String, ConfigObject> objects() {
    return objects;
  }

  /** The last change the model in use has (its snapshot's position, or the last change applied to it). */
  long lastApplied() {
    return lastApplied;
  }

  /** A snapshot was handed to the session: what a load or reload swaps in, if it gets that far. */
  void served(Message.Snapshot snapshot) {
    lastServed = snapshot;
  }

  @Override
  public CompletableFuture<ConfigModel> beginReload() {
    return waitFor(engine.beginReload());
  }

  @Override
  public CompletableFuture<Void> completeReload(ConfigModel newModel) {
    CompletableFuture<Void> swapped = waitFor(engine.completeReload(newModel));
    if (lastServed == null || lastServed.head() != newModel.eventId()) {
      invariants.violate(Invariant.CHANGES_APPLIED_EXACTLY_ONCE, process + " swapped in a model at event "
          + newModel.eventId() + ", not the snapshot it was served");
    }
    if (lastServed != null) {
      objects.clear();
      objects.putAll(lastServed.objects());
    }
    lastApplied = newModel.eventId();
    return swapped;
  }

  @Override
  public void abortReload() {
    engine.abortReload();
  }

  @Override
  public void applyChanges(List<ChangeEvent> events) {
    for (ChangeEvent event : events) {
      long id = event.getEventId();
      if (id <= lastApplied) {
        invariants.violate(Invariant.CHANGES_APPLIED_EXACTLY_ONCE, process + " at event " + lastApplied
            + " was given event " + id + " again");
      } else if (configServer.objectChangesBetween(lastApplied, id - 1) > 0) {
        invariants.violate(Invariant.CHANGES_APPLIED_EXACTLY_ONCE, process + " at event " + lastApplied
            + " was given event " + id + ": " + configServer.objectChangesBetween(lastApplied, id - 1)
            + " changes skipped");
      }
      ConfigObject object = event.getObject();
      if (event.getKind() == ChangeKind.DELETED) {
        objects.remove(object.getName());
      } else if (event.getKind() != ChangeKind.HISTORY_RESET) {
        objects.put(object.getName(), object);
      }
      lastApplied = Math.max(lastApplied, id);
    }
    engine.applyChanges(events);
  }

  /** The engine's answer, once its thread gave it: the session's thread waits for it meanwhile. */
  private <T> CompletableFuture<T> waitFor(CompletableFuture<T> answer) {
    try {
      return CompletableFuture.completedFuture(thread.<T>await(done -> {
        // What the answer gives is handed on here, its failure included.
        var unused = answer.whenComplete((value, failure) -> {
          if (failure == null) {
            done.complete(value);
          } else {
            done.fail(failure instanceof RuntimeException e ? e : new CompletionException(failure));
          }
        });
      }));
    } catch (RuntimeException failed) {
      return CompletableFuture.failedFuture(failed);
    }
  }
}
