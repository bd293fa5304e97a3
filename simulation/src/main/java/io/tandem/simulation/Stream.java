package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * One gRPC stream between a client node and a server node: messages in each direction arrive in
 * the order they were sent (never reordered within the stream), after a delay of the network's
 * choosing. Held messages wait out a partition; they are lost if the stream breaks first.
 */
final class Stream {
  /** One end of a stream: what its owner does with what arrives. */
  interface End {
    void receive(Message message);

    /** The stream ended: broken, or finished by the other side with {@code status} and {@code trailers}. */
    void ended(Status status, Metadata trailers);
  }

  final Node client;
  final Node server;
  final long clientIncarnation;
  long serverIncarnation;
  End clientEnd;
  End serverEnd;
  /** Broken (crash, keepalive) or finished: nothing more is sent or delivered. */
  boolean closed;
  long lastArrivalAtServer;
  long lastArrivalAtClient;
  final List<Message> heldForServer = new ArrayList<>();
  final List<Message> heldForClient = new ArrayList<>();

  Stream(Node client, Node server) {
    this.client = client;
    this.server = server;
    this.clientIncarnation = client.incarnation();
  }

  boolean between(Node a, Node b) {
    return (client == a && server == b) || (client == b && server == a);
  }

  boolean touches(Node node) {
    return client == node || server == node;
  }
}
