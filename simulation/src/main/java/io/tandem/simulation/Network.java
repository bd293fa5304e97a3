package io.tandem.simulation;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
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

  private final VirtualTime time;
  private final Random random;
  private final long minDelayMs;
  private final long maxDelayMs;
  private final List<Stream> streams = new ArrayList<>();
  /** The cut links, and the slowed ones, in the order they were cut (a heal replays in that order). */
  private final Set<Link> cuts = new LinkedHashSet<>();
  private final Set<Link> slow = new LinkedHashSet<>();
  /** Frozen processes whose peers' keepalive goes unanswered ({@link #frozen}). */
  private final Set<Node> unanswering = new HashSet<>();

  /** Messages take {@code minDelayMs} to {@code maxDelayMs}, drawn from {@code random}. */
  Network(VirtualTime time, Random random, long minDelayMs, long maxDelayMs) {
    this.time = time;
    this.random = random;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
  }

  /** A link between two processes, either way round: looked up at every message, so no text is built. */
  private record Link(Node first, Node second) {
    static Link between(Node a, Node b) {
      return a.name.compareTo(b.name) < 0 ? new Link(a, b) : new Link(b, a);
    }
  }

  boolean isCut(Node a, Node b) {
    return !cuts.isEmpty() && cuts.contains(Link.between(a, b));
  }

  boolean isSlow(Node a, Node b) {
    return !slow.isEmpty() && slow.contains(Link.between(a, b));
  }

  /** One message's travel time from {@code from} to {@code to}. */
  private long delay(Node from, Node to) {
    long base = minDelayMs + random.nextInt((int) (maxDelayMs - minDelayMs + 1));
    return isSlow(from, to) ? base + 200 + random.nextInt(800) : base;
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
      time.after(delay(server, client), client, () -> endAtClient(stream, "connection refused"));
      return stream;
    }
    if (isCut(client, server)) {
      stream.closed = true;
      time.after(CONNECT_TIMEOUT_MS, client, () -> endAtClient(stream, "connect timed out"));
      return stream;
    }
    streams.add(stream);
    if (unanswering.contains(server)) {
      breakOnceNoticed(stream, server::isFrozen);
    }
    stream.serverIncarnation = server.incarnation();
    long at = time.now() + delay(client, server);
    stream.lastArrivalAtServer = at;
    time.at(at, server, stream.serverIncarnation, () -> {
      if (!stream.closed) {
        stream.serverEnd = accept.apply(stream);
      }
    });
    return stream;
  }

  /** A stream that never opened: its client learns it, if it still listens. */
  private static void endAtClient(Stream stream, String why) {
    if (stream.clientEnd != null) {
      stream.clientEnd.ended(Status.UNAVAILABLE.withDescription(why), new Metadata());
    }
  }

  /**
   * A unary call: {@code request} from {@code client} to {@code server}; the first reply goes to
   * {@code reply}, or, if the stream ends first or {@code deadlineMs} (0: none) passes, the reason
   * goes to {@code failed}. Exactly one of the two is called.
   */
  void call(Node client, Node server, Function<Stream, Stream.End> accept, Message request, long deadlineMs,
      Consumer<Message> reply, Consumer<Status> failed) {
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
      public void ended(Status status, Metadata trailers) {
        if (!answered[0]) {
          answered[0] = true;
          failed.accept(status);
        }
      }
    };
    send(stream, client, request);
    if (deadlineMs > 0) {
      time.after(deadlineMs, client, () -> breakStream(stream, Status.DEADLINE_EXCEEDED.withDescription(
          "deadline of " + deadlineMs + " ms exceeded")));
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
    long at = Math.max(time.now() + delay(from, to), last);
    if (toServer) {
      stream.lastArrivalAtServer = at;
    } else {
      stream.lastArrivalAtClient = at;
    }
    long incarnation = toServer ? stream.serverIncarnation : stream.clientIncarnation;
    time.at(at, to, incarnation, () -> {
      Stream.End end = toServer ? stream.serverEnd : stream.clientEnd;
      if (!stream.closed && end != null) {
        end.receive(message);
      }
    });
  }

  /**
   * {@code from} ends the stream in order: what it sent before arrives first, then the other end
   * learns the stream ended with {@code status} (and {@code trailers}). Nothing more is delivered
   * to {@code from}.
   */
  void finish(Stream stream, Node from, Status status, Metadata trailers) {
    if (stream.closed) {
      return;
    }
    boolean toServer = from == stream.client;
    Node to = toServer ? stream.server : stream.client;
    long last = toServer ? stream.lastArrivalAtServer : stream.lastArrivalAtClient;
    long at = Math.max(time.now() + delay(from, to), last) + 1;
    long incarnation = toServer ? stream.serverIncarnation : stream.clientIncarnation;
    // Replies already on the way to the finishing side are not wanted any more.
    if (toServer) {
      stream.clientEnd = null;
    } else {
      stream.serverEnd = null;
    }
    time.at(at, to, incarnation, () -> {
      Stream.End end = toServer ? stream.serverEnd : stream.clientEnd;
      stream.closed = true;
      streams.remove(stream);
      if (end != null) {
        end.ended(status, trailers);
      }
    });
  }

  /** {@link #finish} with {@code OK}: a reply, or the end of a watch, sent whole. */
  void finish(Stream stream, Node from) {
    finish(stream, from, Status.OK, new Metadata());
  }

  /** The stream breaks: both ends learn it (a crashed end does not), held and travelling messages are lost. */
  void breakStream(Stream stream, Status why) {
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

  private void notifyEnded(Node node, long incarnation, Stream.End end, Status why) {
    if (end != null) {
      time.at(time.now() + 1 + random.nextInt(5), node, incarnation, () -> end.ended(why, new Metadata()));
    }
  }

  /** A process ended: the peers of its streams see them reset. */
  void nodeDown(Node node) {
    for (Stream stream : List.copyOf(streams)) {
      if (stream.touches(node)) {
        breakStream(stream, Status.UNAVAILABLE.withDescription("connection reset by " + node.name));
      }
    }
  }

  /** Cuts the link between {@code a} and {@code b}; its streams break when keepalive notices, if still cut then. */
  void cut(Node a, Node b) {
    cuts.add(Link.between(a, b));
    for (Stream stream : List.copyOf(streams)) {
      if (stream.between(a, b)) {
        breakOnceNoticed(stream, () -> isCut(a, b));
      }
    }
  }

  /**
   * {@code node} froze, and its peers' keepalive goes unanswered: its streams, and those opened to
   * it meanwhile, break once keepalive notices, if it is still frozen then. (A frozen Management
   * Layer's: the Stat Servers have no faster signal. A frozen Stat Server keeps its streams: the
   * Management Layer's heartbeats find it hung first.)
   */
  void frozen(Node node) {
    unanswering.add(node);
    for (Stream stream : List.copyOf(streams)) {
      if (stream.touches(node)) {
        breakOnceNoticed(stream, node::isFrozen);
      }
    }
  }

  void thawed(Node node) {
    unanswering.remove(node);
  }

  /** Keepalive notices a dead peer after 1–3 s: then {@code stream} breaks, if {@code stillDead} says so. */
  private void breakOnceNoticed(Stream stream, BooleanSupplier stillDead) {
    long detect = KEEPALIVE_MIN_MS + random.nextInt((int) (KEEPALIVE_MAX_MS - KEEPALIVE_MIN_MS));
    time.after(detect, null, () -> {
      if (stillDead.getAsBoolean()) {
        breakStream(stream, Status.UNAVAILABLE.withDescription("keepalive timed out"));
      }
    });
  }

  /** Heals the link: held messages go on, in order. */
  void heal(Node a, Node b) {
    if (!cuts.remove(Link.between(a, b))) {
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
    for (Link cut : List.copyOf(cuts)) {
      heal(cut.first(), cut.second());
    }
    slow.clear();
  }

  void slowDown(Node a, Node b) {
    slow.add(Link.between(a, b));
  }

  void speedUp(Node a, Node b) {
    slow.remove(Link.between(a, b));
  }
}
