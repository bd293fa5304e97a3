package io.tandem.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void ordinaryNamesInAnyScriptAreNames() {
    assertThat(Names.problem("StatServer_A")).isEmpty();
    assertThat(Names.problem("Équipe Ventes – Nord")).isEmpty();
    assertThat(Names.problem("x".repeat(Names.MAX_LENGTH))).isEmpty();
  }

  @Test
  void controlCharactersOverlongAndBlankNamesAreRefusedNamingTheField() {
    assertThat(Names.problem("a\nb")).hasValue("contains the control character U+000A at position 1");
    assertThat(Names.problem("left\u202Eright")).hasValue("contains the control character U+202E at position 4");
    assertThat(Names.problem("x".repeat(256))).hasValue("is 256 characters long, more than the maximum of 255");
    assertThat(Names.problem(" ")).hasValue("must not be empty");
    assertThatThrownBy(() -> Names.check("hello.application", "A\r"))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("hello.application: contains the control character U+000D at position 1");
  }
}
