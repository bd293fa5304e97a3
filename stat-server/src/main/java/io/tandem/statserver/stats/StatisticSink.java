package io.tandem.statserver.stats;

import io.tandem.stat.v1.StatisticValue;

/** Where an open statistic's values go (a client's stream). Called from the engine thread. */
public interface StatisticSink {
  /** A new value; a sink that cannot send now keeps only the latest. */
  void offer(StatisticValue value);

  /** The statistic ended: a last value carries {@code reason}, then the stream ends normally. */
  void closed(StatisticValue last);

  /** The statistic cannot be served here now (e.g. the server stopped accepting clients). */
  void failed(io.grpc.Status status);

  /** The client went away: the statistic can be forgotten. */
  boolean abandoned();
}
