package io.tandem.common.config;

import io.tandem.stat.v1.CenterEvent;
import io.tandem.stat.v1.EventBatch;
import java.util.Optional;

/**
 * The names a Feed batch's events carry (agent, queue, call id): each one given is a name
 * ({@link Names}). A Stat Server keeps them while a call waits or until it logs an unknown one, so
 * their length is what bounds that memory.
 */
public final class FeedNames {
  private FeedNames() {}

  /** The first field of {@code batch} that is given and no name, with why ("events[3].call_id: is 300 characters…"). */
  public static Optional<String> problem(EventBatch batch) {
    for (int i = 0; i < batch.getEventsCount(); i++) {
      CenterEvent event = batch.getEvents(i);
      String at = "events[" + i + "].";
      Optional<String> problem = given(at + "agent", event.getAgent())
          .or(() -> given(at + "queue", event.getQueue()))
          .or(() -> given(at + "call_id", event.getCallId()));
      if (problem.isPresent()) {
        return problem;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> given(String field, String name) {
    return name.isEmpty() ? Optional.empty() : Names.problem(name).map(problem -> field + ": " + problem);
  }
}
