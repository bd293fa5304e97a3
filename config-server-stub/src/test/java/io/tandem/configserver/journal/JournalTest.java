package io.tandem.configserver.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.config.v1.ChangeEvent;
import io.tandem.config.v1.ChangeKind;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.ObjectType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
  @TempDir
  Path dir;

  private static ChangeEvent event(long id) {
    return ChangeEvent.newBuilder().setEventId(id).setKind(ChangeKind.CREATED)
        .setObject(ConfigObject.newBuilder().setType(ObjectType.AGENT).setName("agent" + id).setDbid(id).setVersion(1))
        .build();
  }

  private void write(long from, long to) throws IOException {
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      journal.recover(request -> { });
      for (long id = from; id <= to; id++) {
        journal.append(List.of(event(id)));
      }
    }
  }

  private List<Long> recoverIds() throws IOException {
    List<Long> ids = new ArrayList<>();
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      journal.recover(request -> request.forEach(e -> ids.add(e.getEventId())));
    }
    return ids;
  }

  private Path file() {
    return dir.resolve("journal.log");
  }

  @Test
  void everyAppendedEventIsReplayedInOrder() throws IOException {
    write(1, 10);
    assertThat(recoverIds()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void aTornLastFrameIsDroppedAndTheRestKept() throws IOException {
    write(1, 5);
    long size = Files.size(file());
    try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
      raf.setLength(size - 3);
    }
    Journal.Recovery recovery;
    List<Long> ids = new ArrayList<>();
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      recovery = journal.recover(request -> request.forEach(e -> ids.add(e.getEventId())));
      journal.append(List.of(event(5)));
    }
    assertThat(ids).containsExactly(1L, 2L, 3L, 4L);
    assertThat(recovery.tornBytesDropped()).isPositive();
    assertThat(recoverIds()).as("appends after recovery continue cleanly").containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void aHalfWrittenHeaderIsATornFrameToo() throws IOException {
    write(1, 2);
    Files.write(file(), new byte[] {0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
    assertThat(recoverIds()).containsExactly(1L, 2L);
  }

  @Test
  void aLastFrameFailingItsChecksumIsDropped() throws IOException {
    write(1, 3);
    try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
      raf.seek(raf.length() - 1);
      int last = raf.read();
      raf.seek(raf.length() - 1);
      raf.write(last ^ 0xFF);
    }
    assertThat(recoverIds()).containsExactly(1L, 2L);
  }

  @Test
  void zeroesAfterTheLastFrameAreATornTail() throws IOException {
    write(1, 2);
    Files.write(file(), new byte[4096], java.nio.file.StandardOpenOption.APPEND);
    assertThat(recoverIds()).containsExactly(1L, 2L);
  }

  @Test
  void damageInTheMiddleIsRefusedNotGuessed() throws IOException {
    write(1, 5);
    try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
      raf.seek(Journal.MAGIC.length + 12);
      raf.write(0x7F);
    }
    assertThatThrownBy(this::recoverIds).isInstanceOf(JournalCorruptedException.class)
        .hasMessageContaining("frame 1 at offset " + Journal.MAGIC.length + " is damaged (checksum mismatch)")
        .hasMessageContaining("the 0 frames before it (0 changes) are intact")
        .hasMessageContaining("Refusing to guess: see config-server-stub/README.md (a damaged journal)");
  }

  @Test
  void droppingTheRecordsACheckpointHoldsKeepsTheOnesWrittenSince() throws IOException {
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      journal.recover(request -> { });
      for (long id = 1; id <= 6; id++) {
        journal.append(List.of(event(id)));
      }
      long offset = journal.size();
      journal.append(List.of(event(7), event(8)));
      journal.dropBefore(offset, 6, 6);
      assertThat(journal.frames()).isEqualTo(1);
      assertThat(journal.events()).isEqualTo(2);
      journal.append(List.of(event(9)));
    }
    assertThat(recoverIds()).containsExactly(7L, 8L, 9L);
  }

  @Test
  void aCopyLeftHalfDoneByACrashIsDeletedAndTheJournalKept() throws IOException {
    write(1, 3);
    Files.write(dir.resolve("journal.log.tmp"), new byte[] {9, 9, 9});
    assertThat(recoverIds()).containsExactly(1L, 2L, 3L);
    assertThat(Files.exists(dir.resolve("journal.log.tmp"))).isFalse();
  }

  @Test
  void droppingMoreThanTheJournalHoldsIsRefused() throws IOException {
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      journal.recover(request -> { });
      journal.append(List.of(event(1)));
      assertThatThrownBy(() -> journal.dropBefore(journal.size() + 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> journal.dropBefore(journal.size(), 2, 2)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aRequestIsOneFrameReplayedWholeOrNotAtAll() throws IOException {
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      journal.recover(request -> { });
      journal.append(List.of(event(1)));
      journal.append(List.of(event(2), event(3), event(4), event(5)));
    }
    List<List<Long>> requests = new ArrayList<>();
    try (Journal journal = Journal.open(dir, true, Disk.LOCAL)) {
      journal.recover(request -> requests.add(request.stream().map(ChangeEvent::getEventId).toList()));
    }
    assertThat(requests).containsExactly(List.of(1L), List.of(2L, 3L, 4L, 5L));

    // A crash in the middle of writing the second request: none of it comes back.
    long size = Files.size(file());
    try (RandomAccessFile raf = new RandomAccessFile(file().toFile(), "rw")) {
      raf.setLength(size - 10);
    }
    assertThat(recoverIds()).containsExactly(1L);
  }

  @Test
  void aJournalOfAnotherFormatIsNotRead() throws IOException {
    Files.write(file(), new byte[] {0, 0, 0, 42, 1, 2, 3, 4, 8, 1});
    assertThatThrownBy(this::recoverIds).isInstanceOf(JournalCorruptedException.class)
        .hasMessageContaining("does not start with TANDEMJ2");
  }
}
