package io.tandem.common.grpc;

/**
 * How large Tandem's gRPC messages get, in bytes. Streams of many objects (snapshots, watches)
 * close a message at {@link #BATCH_BYTES}; one object alone may be up to {@link #MAX_OBJECT_BYTES}
 * (the Config Server refuses larger ones), and every channel and server accepts messages up to
 * {@link #MAX_MESSAGE_BYTES}, so whatever the Config Server accepted can always be read back —
 * the largest message it sends is one maximal object and its framing. A Stat Server's client
 * port is the exception: it takes {@link #MAX_FEED_BATCH_BYTES}.
 */
public final class MessageLimits {
  /** A batch of objects or events is closed once it holds this much (one larger object goes alone). */
  public static final int BATCH_BYTES = 1024 * 1024;
  /** The most objects a snapshot message may hold (ListObjects' {@code batch_size}). */
  public static final int MAX_SNAPSHOT_BATCH = 5000;
  /** The largest configuration object the Config Server accepts (an AgentGroup of about 300,000 members). */
  public static final int MAX_OBJECT_BYTES = 4 * 1024 * 1024;
  /** What every Tandem channel and server accepts in one message. */
  public static final int MAX_MESSAGE_BYTES = 2 * MAX_OBJECT_BYTES;
  /**
   * What a Stat Server's client port accepts in one message: a Feed batch (every other request
   * to it is small). A server holds back, for each Feed stream it has asked for a batch, what
   * the largest batch could take, so this is what one waiting stream costs of its feed budget.
   */
  public static final int MAX_FEED_BATCH_BYTES = 256 * 1024;

  private MessageLimits() {}
}
