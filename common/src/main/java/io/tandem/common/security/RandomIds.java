package io.tandem.common.security;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Ids made at random where nothing hands them out: 128 bits from a strong source, so that two
 * never collide over a system's life and none can be guessed by another caller.
 */
public final class RandomIds {
  /** Bits of randomness in every id. */
  public static final int BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private RandomIds() {}

  /** {@code prefix} followed by {@link #BITS} random bits in hex (32 characters). */
  public static String next(String prefix) {
    byte[] bits = new byte[BITS / 8];
    RANDOM.nextBytes(bits);
    return prefix + HexFormat.of().formatHex(bits);
  }
}
