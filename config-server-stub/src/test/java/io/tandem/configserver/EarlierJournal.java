package io.tandem.configserver;

import com.google.protobuf.util.Timestamps;
import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.configserver.journal.Disk;
import io.tandem.configserver.journal.Journal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A data directory as a Config Server of an earlier version left it: its journal holds objects
 * that were accepted then and that today's limits or rules would refuse.
 */
public final class EarlierJournal {
  private EarlierJournal() {}

  /** Writes {@code objects} (bodies set) to the journal of {@code dataDir}, created in order from event 1, one request. */
  public static void write(Path dataDir, List<ConfigObject> objects) throws IOException {
    List<ChangeEvent> events = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      ConfigObject stored = objects.get(i).toBuilder().setDbid(i + 1).setVersion(1).build();
      events.add(ChangeEvent.newBuilder().setEventId(i + 1).setKind(ChangeKind.CREATED).setObject(stored)
          .setTime(Timestamps.fromMillis(System.currentTimeMillis())).build());
    }
    try (Journal journal = Journal.open(dataDir, false, Disk.LOCAL)) {
      journal.append(events);
    }
  }
}
