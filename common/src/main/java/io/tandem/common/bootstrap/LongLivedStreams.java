package io.tandem.common.bootstrap;

/**
 * A service that holds streams open indefinitely (watches, supervision). On shutdown the
 * {@link GrpcServer} asks it to end them, so a graceful shutdown does not wait for clients that
 * would never hang up by themselves.
 */
public interface LongLivedStreams {
  /** Ends every open stream with {@code UNAVAILABLE} ("server shutting down"). */
  void endStreams();
}
