package io.tandem.common.config;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.tandem.config.v1.ConfigServiceGrpc;
import io.tandem.config.v1.ListObjectsRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * ListObjects with its answers left encoded. The Config Server sends batches it encoded from
 * the objects' kept encodings; a Stat Server reads each batch's bytes as they came and decodes
 * only the few fields its model needs, on its own thread. On the wire it is the generated
 * method: the same name, the same {@code ObjectBatch} bytes.
 */
public final class EncodedListObjects {
  public static final MethodDescriptor<ListObjectsRequest, byte[]> METHOD =
      ConfigServiceGrpc.getListObjectsMethod().toBuilder(
          ProtoUtils.marshaller(ListObjectsRequest.getDefaultInstance()), new Bytes()).build();

  private EncodedListObjects() {}

  /** A message's bytes as they are. */
  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("reading a snapshot batch: " + e.getMessage()).withCause(e)
            .asRuntimeException();
      }
    }
  }
}
