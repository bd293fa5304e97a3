package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.tandem.management.v1.GetPairsRequest;
import io.tandem.management.v1.ManagementServiceGrpc;
import io.tandem.testing.FakeTime;
import io.tandem.testing.StackMember;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The Management Layer's own faults: its restarts, its clock. */
@Order(10)
class ManagementLayerScenariosTest extends PairStackTest {
  @Test
  void s25AManagementLayerRestartedWithItsClockAnHourBackIssuesOnlyHigherEpochs() throws Exception {
    FakeTime.requireLibrary();
    stack = new PairStack(dir, PairStack.Setup.pair("false", "yes")).start();
    long issued = stack.pair().getEpoch();

    // Nobody is left who could tell the restarted Management Layer that epoch: its own ledger must.
    for (StackMember member : stack.stats()) {
      member.close();
    }
    stack.management().close();
    stack.startManagementLayer(FakeTime.environment(Duration.ofHours(-1)));
    long asOf = Timestamps.toMillis(ManagementServiceGrpc.newBlockingStub(stack.management().channel())
        .getPairs(GetPairsRequest.getDefaultInstance()).getAsOf());
    assertThat(asOf).as("the Management Layer's clock reads an hour back")
        .isLessThan(System.currentTimeMillis() - Duration.ofMinutes(50).toMillis());
    stack.startStatServerNoWait(PairStack.A);
    stack.startStatServerNoWait(PairStack.B);
    stack.awaitModesAcknowledged();

    assertThat(stack.pair().getEpoch()).as("the first epoch after the restart").isGreaterThan(issued);
    assertThat(stack.management().logLines(" 43-30022 ")).as("one start each: the first, then the restart")
        .hasSize(2).last().asString().contains("highest=" + issued, "first_start=false");
  }
}
