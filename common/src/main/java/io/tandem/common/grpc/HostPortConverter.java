package io.tandem.common.grpc;

import io.tandem.protocol.link.HostPort;
import picocli.CommandLine.ITypeConverter;

/** Reads a {@link HostPort} flag, so bad addresses are reported like any other bad flag. */
public final class HostPortConverter implements ITypeConverter<HostPort> {
  @Override
  public HostPort convert(String value) {
    return HostPort.parse(value);
  }
}
