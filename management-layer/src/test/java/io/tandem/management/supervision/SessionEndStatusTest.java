package io.tandem.management.supervision;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tandem.protocol.redundancy.SessionEnd;
import org.junit.jupiter.api.Test;

/** The status an application's supervision stream ends with, for each reason the controller ends one. */
class SessionEndStatusTest {
  @Test
  void eachReasonIsAnsweredWithTheCodeItsLogLineNamesAndTheControllersMessage() {
    for (SessionEnd cause : SessionEnd.values()) {
      Status status = RedundancyLoop.status(cause, "hello.instance_id: why");
      assertThat(status.getCode().name()).as(cause.name()).isEqualTo(cause.code());
      assertThat(status.getDescription()).isEqualTo("hello.instance_id: why");
    }
    assertThat(RedundancyLoop.status(SessionEnd.NOT_CONFIGURED, "").getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(RedundancyLoop.status(SessionEnd.DUPLICATE, "").getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(RedundancyLoop.status(SessionEnd.REPLACED, "").getCode()).isEqualTo(Status.Code.ABORTED);
  }
}
