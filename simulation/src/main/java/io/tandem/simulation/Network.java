package io.tandem.simulation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Links between the nodes: delays drawn from the world's generator, partitions that hold
 * messages and break streams once keepalive notices, and connection refusals. Streams are
 * independent, so messages on two streams can arrive in either order; within one they cannot.
 */
final class Network {
  /** gRPC keepalive notices a dead link within this (the services set time 1 s, timeout 1 s, and a try or two). */
  static final long KEEPALIVE_MIN_MS = 1_000;
  static final long KEEPALIVE_MAX_MS = 3_000;
  /** A connection attempt across a partition fails after this. */
  static final long CONNECT_TIMEOUT_MS = 1_000;

  private final World world;
  private final List<Stream> streams = new ArrayList<>();
  private final Set<String> cuts = new HashSet<>();
  private final Set<String> slow = new HashSet<>();

  Network(World world) {
    this.world = world;
  }

  private static String key(Node a, Node b) {
    return a.name.compareTo(b.name) < 0 ? a.name + "|" + b.name : b.name + "|" + a.name;
  }

  boolean isCut(Node a, Node b) {
    return cuts.contains(key(a, b));
  }

  /** One message's travel time from {@code from} to {@code to}. */
  private long delay(Node from, Node to) {
    Parameters p = world.parameters;
    long base = p.minDelayMs() + world.random.nextInt((int) (p.maxDelayMs() - p.minDelayMs() + 1));
    return slow.contains(key(from, to)) ? base + 200 + world.random.nextInt(800) : base;
  }

  /**
   * Opens a stream from {@code client} to {@code server}; {@code accept} gives the server's end
   * when the stream reaches it, and the caller sets the client's end before it returns. A stream to a process that is down is refused at once, one across
   * a partition after the connect timeout.
   */
  Stream open(Node client, Node server, Function<Stream, Stream.End> accept) {
    Stream stream = new Stream(client, server);
    if (!server.isRunning() || !client.isRunning()) {
      stream.closed = true;
      world.after(delay(server, client), client, () -> stream.clientEnd.ended("UNAVAILABLE: connection refused"));
      return stream;
    }
    if (isCut(client, server)) {
      stream.closed = true;
      world.after(CONNECT_TIMEOUT_MS, client, () -> stream.clientEnd.ended("UNAVAILABLE: connect timed out"));
      return stream;
    }
    streams.add(stream);
    stream.serverIncarnation = server.incarnation();
    long at = world.now() + delay(client, server);
    stream.lastArrivalAtServer = at;
    world.at(at, server, stream.serverIncarnation, () -> {
      if (!stream.closed) {
        stream.serverEnd = accept.apply(stream);
      }
    });
    return stream;
  }

  /**
   * A unary call: {@code request} from {@code client} to {@code server}; the first reply goes to
   * {@code reply}, or, if the stream ends first or {@code deadlineMs} (0: none) passes, the reason
   * goes to {@code failed}. Exactly one of the two is called.
   */
  void call(Node client, Node server, Function<Stream, Stream.End> accept, Message request, long deadlineMs,
      Consumer<Message> reply, Consumer<String> failed) {
    boolean[] answered = new boolean[1];
    Stream stream = open(client, server, accept);
    stream.clientEnd = new Stream.End() {
      @Override
      public void receive(Message message) {
        if (!answered[0]) {
          answered[0] = true;
          reply.accept(message);
        }
      }

      @Override
      public void ended(String why) {
        if (!answered[0]) {
          answered[0] = true;
          failed.accept(why);
        }
      }
    };
    send(stream, client, request);
    if (deadlineMs > 0) {
      world.after(deadlineMs, client, () -> breakStream(stream, "DEADLINE_EXCEEDED"));
    }
  }

  /** Sends on {@code stream} from {@code from}'s end. */
  void send(Stream stream, Node from, Message message) {
    if (stream.closed) {
      return;
    }
    boolean toServer = from == stream.client;
    if (isCut(stream.client, stream.server)) {
      (toServer ? stream.heldForServer : stream.heldForClient).add(message);
      return;
    }
    deliver(stream, toServer, message);
  }

  private void deliver(Stream stream, boolean toServer, Message message) {
    Node from = toServer ? stream.client : stream.server;
    Node to = toServer ? stream.server : stream.client;
    long last = toServer ? stream.lastArrivalAtServer : stream.lastArrivalAtClient;
    long at = Math.max(world.now() + delay(from, to), last);
    if (toServer) {
      stream.lastArrivalAtServer = at;
    } else {
      stream.lastArrivalAtClient = at;
    }
    long incarnation = toServer ? stream.serverIncarnation : stream.clientIncarnation;
    world.at(at, to, incarnation, () -> {
      Stream.End end = toServer ? stream.serverEnd : stream.clientEnd;
      if (!stream.closed && end != null) {
        end.receive(message);
      }
    });
  }

  /**
   * {@code from} ends the stream in order: what it sent before arrives first, then the other end
   * learns the stream ended with {@code why}. Nothing more is delivered to {@code from}.
   */
  void finish(Stream stream, Node from, String why) {
    if (stream.closed) {
      return;
    }
    boolean toServer = from == stream.client;
    Node to = toServer ? stream.server : stream.client;
    long last = toServer ? stream.lastArrivalAtServer : stream.lastArrivalAtClient;
    long at = Math.max(world.now() + delay(from, to), last) + 1;
    long incarnation = toServer ? stream.serverIncarnation : stream.clientIncarnation;
    // Replies already on the way to the finishing side are not wanted any more.
    if (toServer) {
      stream.clientEnd = null;
    } else {
      stream.serverEnd = null;
    }
    world.at(at, to, incarnation, () -> {
      Stream.End end = toServer ? stream.serverEnd : stream.clientEnd;
      stream.closed = true;
      streams.remove(stream);
      if (end != null) {
        end.ended(why);
      }
    });
  }

  /** The stream breaks: both ends learn it (a crashed end does not), held and travelling messages are lost. */
  void breakStream(Stream stream, String why) {
    if (stream.closed) {
      return;
    }
    stream.closed = true;
    streams.remove(stream);
    stream.heldForClient.clear();
    stream.heldForServer.clear();
    notifyEnded(stream.client, stream.clientIncarnation, stream.clientEnd, why);
    notifyEnded(stream.server, stream.serverIncarnation, stream.serverEnd, why);
  }

  private void notifyEnded(Node node, long incarnation, Stream.End end, String why) {
    if (end != null) {
      world.at(world.now() + 1 + world.random.nextInt(5), node, incarnation, () -> end.ended(why));
    }
  }

  /** A process ended: the peers of its streams see them reset. */
  void nodeDown(Node node) {
    for (Stream stream : List.copyOf(streams)) {
      if (stream.touches(node)) {
        breakStream(stream, "UNAVAILABLE: connection reset by " + node.name);
      }
    }
  }

  /** Cuts the link between {@code a} and {@code b}; its streams break when keepalive notices, if still cut then. */
  void cut(Node a, Node b) {
    cuts.add(key(a, b));
    for (Stream stream : List.copyOf(streams)) {
      if (stream.between(a, b)) {
        long detect = KEEPALIVE_MIN_MS + world.random.nextInt((int) (KEEPALIVE_MAX_MS - KEEPALIVE_MIN_MS));
        world.after(detect, null, () -> {
          if (isCut(a, b)) {
            breakStream(stream, "UNAVAILABLE: keepalive timed out");
          }
        });
      }
    }
  }

  /** Heals the link: held messages go on, in order. */
  void heal(Node a, Node b) {
    if (!cuts.remove(key(a, b))) {
      return;
    }
    for (Stream stream : List.copyOf(streams)) {
      if (stream.between(a, b) && !stream.closed) {
        List<Message> toServer = List.copyOf(stream.heldForServer);
        List<Message> toClient = List.copyOf(stream.heldForClient);
        stream.heldForServer.clear();
        stream.heldForClient.clear();
        toServer.forEach(m -> deliver(stream, true, m));
        toClient.forEach(m -> deliver(stream, false, m));
      }
    }
  }

  void healAll() {
    for (String cut : List.copyOf(cuts)) {
      String[] names = cut.split("\\|", -1);
      heal(world.node(names[0]), world.node(names[1]));
    }
    slow.clear();
  }

  void slowDown(Node a, Node b) {
    slow.add(key(a, b));
  }

  void speedUp(Node a, Node b) {
    slow.remove(key(a, b));
  }
}
