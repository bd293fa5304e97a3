package io.tandem.configserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tandem.common.config.Applications;
import io.tandem.common.grpc.MessageLimits;
import io.tandem.config.v1.ApplicationType;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.ObjectType;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.config.v1.WriteResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An Application stored before option values and objects had limits, larger than any message can
 * carry, is repaired as an operator would: {@code tandem config set-option --remove}, one option
 * at a time, over the API.
 */
class OversizeObjectRepairTest {
  private static final String FIVE_MEGABYTES = "x".repeat(5_000_000);

  @TempDir
  Path dataDir;

  private ConfigServerFixture server;

  @BeforeEach
  void start() throws Exception {
    EarlierJournal.write(dataDir, List.of(Applications.of("S_A", ApplicationType.STAT_SERVER).port(2040)
        .option("statserver", "big-1", FIVE_MEGABYTES).option("statserver", "big-2", FIVE_MEGABYTES)
        .option("statserver", "big-3", FIVE_MEGABYTES).build()));
    server = ConfigServerFixture.start(dataDir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private WriteResult setOption(String key, String value) {
    return server.blocking.setOption(SetOptionRequest.newBuilder().setApplication("S_A").setSection("statserver")
        .setKey(key).setValue(value).setRemove(value.isEmpty()).build());
  }

  @Test
  void anApplicationLargerThanAMessageIsRepairedOptionByOptionAndCannotGrow() {
    WriteResult first = setOption("big-1", "");
    assertThat(first.getObject().getVersion()).as("removed, though still over the limits").isEqualTo(2);
    assertThat(first.getObject().getBodyCase()).as("too large for a message: sent without its body")
        .isEqualTo(ConfigObject.BodyCase.BODY_NOT_SET);

    assertThatThrownBy(() -> setOption("small", "1")).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains("option statserver/small: Application 'S_A' is",
          "more than the maximum of " + MessageLimits.MAX_OBJECT_BYTES + " bytes an object may have");
    });

    assertThat(setOption("big-2", "").getObject().getVersion()).isEqualTo(3);
    WriteResult repaired = setOption("big-3", "");
    assertThat(repaired.getObject().getVersion()).isEqualTo(4);
    assertThat(repaired.getObject().getApplication().getOptionsMap()).isEmpty();
    assertThat(server.blocking.getObject(GetObjectRequest.newBuilder().setType(ObjectType.APPLICATION)
        .setName("S_A").build()).getApplication().getOptionsMap()).isEmpty();
    assertThat(setOption("small", "1").getObject().getVersion()).as("within the limits again, it may grow").isEqualTo(5);
  }
}
