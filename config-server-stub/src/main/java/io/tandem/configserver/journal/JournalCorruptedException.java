package io.tandem.configserver.journal;

import java.io.IOException;

/** The journal is damaged somewhere other than its last frame (not a torn write), or its checkpoint is. */
public final class JournalCorruptedException extends IOException {
  private static final long serialVersionUID = 1L;

  public JournalCorruptedException(String message) {
    super(message);
  }
}
