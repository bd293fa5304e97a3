package io.tandem.configserver.etcd;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * DEFLATE (the JDK's zlib) for log entries: a configuration's changes repeat names and options,
 * so an entry takes a fraction of its size in etcd's requests, its raft log and its database.
 */
final class Deflation {
  private Deflation() {}

  static ByteString deflate(ByteString plain) {
    ByteString.Output out = ByteString.newOutput(Math.max(64, plain.size() / 4));
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try (OutputStream compressing = new DeflaterOutputStream(out, deflater, 64 * 1024)) {
      plain.writeTo(compressing);
    } catch (IOException e) {
      throw new IllegalStateException("compressing in memory cannot fail", e);
    } finally {
      deflater.end();
    }
    return out.toByteString();
  }

  static ByteString inflate(ByteString compressed) {
    try (InputStream in = new InflaterInputStream(compressed.newInput())) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(compressed.size() * 4);
      in.transferTo(out);
      return ByteString.copyFrom(out.toByteArray());
    } catch (IOException e) {
      throw new IllegalArgumentException("a log entry is not DEFLATE data: " + e.getMessage(), e);
    }
  }
}
