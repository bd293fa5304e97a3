package io.tandem.common.bootstrap;

import io.tandem.common.grpc.MessageLimits;

/**
 * The largest message a service's gRPC port accepts: {@link MessageLimits#MAX_MESSAGE_BYTES}
 * unless its module binds a smaller one. A larger message ends its call with
 * {@code RESOURCE_EXHAUSTED} naming the limit.
 */
public record InboundMessageLimit(int bytes) {
  public static final InboundMessageLimit DEFAULT = new InboundMessageLimit(MessageLimits.MAX_MESSAGE_BYTES);
}
