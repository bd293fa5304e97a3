package io.tandem.management.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tandem.common.bootstrap.FatalStop;
import io.tandem.common.concurrent.Scheduled;
import io.tandem.management.leader.Leading;
import io.tandem.management.ledger.EpochLedger;
import io.tandem.management.ledger.EpochNotRecordedException;
import io.tandem.management.ledger.FileEpochLedger;
import io.tandem.management.ledger.PairMemories;
import io.tandem.management.v1.AppStatus;
import io.tandem.management.v1.Mode;
import io.tandem.management.v1.SupervisionCommand;
import io.tandem.protocol.leadership.Leadership.Change;
import io.tandem.protocol.leadership.Leadership.Role;
import io.tandem.protocol.leadership.Leadership.StepDown;
import io.tandem.protocol.log.LogCapture;
import io.tandem.protocol.redundancy.Arrival;
import io.tandem.protocol.redundancy.RedundancySettings;
import io.tandem.protocol.time.ManualClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The redundancy loop at a change of leadership, when the election has moved on and the loop has
 * not yet heard of it: the election is moved by hand, its changes handed to the loop when the
 * test says, and every input runs on the loop's thread as in service.
 */
class RedundancyLoopLeadershipTest {
  private final ManualClock clock = new ManualClock();
  private final HandElection election = new HandElection();
  private final RecordingServerStream<SupervisionCommand> a = new RecordingServerStream<>();
  private final RecordingServerStream<SupervisionCommand> b = new RecordingServerStream<>();
  @TempDir
  Path dir;
  private RedundancyLoop loop;

  /** The election's side, moved by the test: the leadership it holds, and the changes it tells. */
  private static final class HandElection implements Leading {
    volatile long revision;
    /** Whether the command window is open: closed, as when renewals go unanswered for a while. */
    volatile boolean windowOpen = true;
    private Consumer<Change> listener;
    /** The leaderships handed back, and why. */
    final List<Change> steppedDown = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public long revision() {
      return revision;
    }

    @Override
    public boolean mayCommand(long decidedUnder) {
      return decidedUnder != 0 && decidedUnder == revision && windowOpen;
    }

    @Override
    public Optional<Duration> leaseRemaining() {
      return Optional.empty();
    }

    @Override
    public Optional<String> standbyReason() {
      return revision == 0 ? Optional.of("this Management Layer stands by") : Optional.empty();
    }

    @Override
    public void onChange(Consumer<Change> listener) {
      this.listener = listener;
    }

    @Override
    public void stepDown(long held, StepDown cause) {
      if (held == revision) {
        revision = 0;
        Change change = new Change(Role.STANDBY, cause, held);
        steppedDown.add(change);
        listener.accept(change);
      }
    }

    void tell(Change change) {
      listener.accept(change);
    }
  }

  /** The ledger as etcd's behaves when it does not answer: it refuses the next {@code refusals} epochs. */
  private static final class UnansweredLedger implements EpochLedger {
    private final EpochLedger recorded;
    final AtomicInteger refusals = new AtomicInteger();
    /** Whether reading the highest epoch fails, as when etcd does not answer. */
    volatile boolean unreadable;

    UnansweredLedger(EpochLedger recorded) {
      this.recorded = recorded;
    }

    @Override
    public long highest() {
      return recorded.highest();
    }

    @Override
    public void record(long epoch, long leadership) {
      if (refusals.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
        throw new EpochNotRecordedException("epoch " + epoch + " not recorded in etcd: DEADLINE_EXCEEDED", null);
      }
      recorded.record(epoch, leadership);
    }

    @Override
    public void refresh() {
      if (unreadable) {
        throw new EpochNotRecordedException("the highest epoch in etcd could not be read: DEADLINE_EXCEEDED", null);
      }
    }
  }

  private UnansweredLedger ledger;

  @BeforeEach
  void start() throws IOException {
    ledger = new UnansweredLedger(FileEpochLedger.open(dir, clock));
    loop = new RedundancyLoop(clock, clock, new PrometheusRegistry(), ledger, PairMemories.none(), election,
        new FatalStop("management-layer"));
    onLoop(() -> loop.configure(Map.of("A", "B", "B", ""), RedundancySettings.DEFAULTS));
  }

  @AfterEach
  void stop() throws InterruptedException {
    loop.stop();
  }

  /** Runs {@code task} on the loop's thread, after everything handed to it before. */
  private void onLoop(Runnable task) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      task.run();
      done.complete(null);
    });
    done.orTimeout(1, TimeUnit.MINUTES).join();
  }

  private void hello(String app, long session, RecordingServerStream<SupervisionCommand> stream) {
    onLoop(() -> loop.register(new SupervisionSession(session, app, stream),
        new Arrival(app, session, "instance-" + app, "", "10.0.0.1:1", Mode.MODE_UNSPECIFIED, 0)));
  }

  private void elected(long revision) {
    election.revision = revision;
    election.tell(new Change(Role.LEADER, null, revision));
  }

  /**
   * The loop's executor kept a task's exception in a future nobody read: a bug in the loop (an
   * election handled halfway, say) left no trace. It is an alarm now, and the loop goes on.
   */
  @Test
  void aTaskOfTheLoopThatFailsIsAnAlarmAndTheLoopGoesOn() {
    try (LogCapture log = new LogCapture(Scheduled.class)) {
      loop.execute(() -> {
        throw new IllegalStateException("a bug in the loop");
      });
      onLoop(() -> { });
      assertThat(log.withId("00-05082")).singleElement().asString()
          .contains("task=redundancy loop", "a bug in the loop");
    }
  }

  @Test
  void aHelloTheLoopTakesBeforeItHeardOfTheElectionIsRefusedSoTheMemberSaysItAgainToTheNewController() {
    election.revision = 7; // elected; the change not yet handed to the loop
    hello("A", 1, a);
    assertThat(a.ended).as("refused while the loop is a change behind").isNotNull();
    assertThat(a.ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    election.tell(new Change(Role.LEADER, null, 7));
    RecordingServerStream<SupervisionCommand> again = new RecordingServerStream<>();
    hello("A", 2, again);
    onLoop(() -> { });
    assertThat(again.ended).isNull();
    assertThat(loop.currentStatus().getPairs(0).getMembers(0).getConnected()).as("the new controller has it").isTrue();
  }

  @Test
  void aCommandDecidedUnderOneLeadershipDoesNotLeaveUnderTheNext() {
    elected(7);
    hello("A", 1, a);
    hello("B", 2, b);
    election.revision = 9; // stepped down and elected again; neither change handed to the loop yet
    running("A", 1);
    assertThat(a.sent).as("decided under leadership 7, which is over").noneMatch(SupervisionCommand::hasMode);

    election.tell(new Change(Role.STANDBY, StepDown.LEASE_LOST, 7));
    election.tell(new Change(Role.LEADER, null, 9));
    onLoop(() -> { });
    assertThat(a.ended).as("the stream of the old leadership ends; A says hello again").isNotNull();
    assertThat(a.ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aCommandWithheldEndsTheMembersStreamSoItIsDecidedAnewWhenItSaysHelloAgain() {
    elected(7);
    hello("A", 1, a);
    hello("B", 2, b);
    election.windowOpen = false; // renewals late: the window closes, and may open again
    running("A", 1);
    assertThat(a.sent).noneMatch(SupervisionCommand::hasMode);
    assertThat(a.ended).as("A is told to say hello again").isNotNull();
    assertThat(a.ended.getCode()).isEqualTo(Status.Code.UNAVAILABLE);

    election.windowOpen = true;
    RecordingServerStream<SupervisionCommand> again = new RecordingServerStream<>();
    hello("A", 3, again);
    running("A", 3);
    assertThat(modes(again)).as("decided anew, not awaited for ever").containsExactly(Mode.PRIMARY);
  }

  @Test
  void aSwitchoverWhosePromotionIsWithheldDemotesNobody() {
    elected(7);
    hello("A", 1, a);
    hello("B", 2, b);
    running("A", 1);
    running("B", 2);
    acknowledge("A", 1, a);
    acknowledge("B", 2, b);

    ledger.refusals.set(1); // etcd does not answer the switchover's new epoch, then answers again
    onLoop(() -> loop.apply(now -> loop.controller().switchoverRequested("A", 1, now)));
    assertThat(modes(b)).as("B's promotion withheld").containsExactly(Mode.BACKUP);
    assertThat(modes(a)).as("A, the primary, is not demoted without its peer promoted").containsExactly(Mode.PRIMARY);
  }

  private void running(String app, long session) {
    onLoop(() -> loop.apply(now -> loop.controller().statusReported(app, session, AppStatus.RUNNING, "", now)));
  }

  /** The modes {@code stream} was told, in order. */
  private static List<Mode> modes(RecordingServerStream<SupervisionCommand> stream) {
    return stream.sent.stream().filter(SupervisionCommand::hasMode).map(c -> c.getMode().getMode()).toList();
  }

  /** {@code app} acknowledges every mode command it was sent on {@code stream}. */
  private void acknowledge(String app, long session, RecordingServerStream<SupervisionCommand> stream) {
    for (SupervisionCommand command : stream.sent) {
      if (command.hasMode()) {
        onLoop(() -> loop.apply(now -> loop.controller().modeAcknowledged(app, session,
            command.getMode().getCommandId(), command.getMode().getMode(), command.getMode().getEpoch(), now)));
      }
    }
  }

  @Test
  void aLeaderThatCannotReadTheHighestEpochHandsTheLeadershipBackInsteadOfIssuingEpochs() {
    ledger.unreadable = true;
    elected(7);
    hello("A", 1, a);
    hello("B", 2, b);
    running("A", 1);
    assertThat(election.steppedDown).as("handed back").containsExactly(new Change(Role.STANDBY, StepDown.EPOCHS_UNREAD, 7));
    assertThat(a.sent).as("no epoch issued above a highest it could not read").noneMatch(SupervisionCommand::hasMode);
    assertThat(a.ended.getCode()).as("A goes to the leader").isEqualTo(Status.Code.UNAVAILABLE);

    ledger.unreadable = false;
    elected(8);
    RecordingServerStream<SupervisionCommand> again = new RecordingServerStream<>();
    hello("A", 3, again);
    hello("B", 4, new RecordingServerStream<>());
    running("A", 3);
    assertThat(modes(again)).as("elected again, the highest read").containsExactly(Mode.PRIMARY);
  }

  @Test
  void theLeaderCommandsUnderTheLeadershipItHolds() {
    elected(7);
    hello("A", 1, a);
    hello("B", 2, b);
    running("A", 1);
    assertThat(modes(a)).containsExactly(Mode.PRIMARY);
  }
}
