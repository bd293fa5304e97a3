package io.tandem.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.common.process.FreePorts.PortRange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  private static final int PORTS = 500;

  /** Another JVM: hands out ports, prints them on one line, and holds them until its input ends. */
  static final class OtherProcess {
    public static void main(String[] args) throws IOException {
      System.out.println(IntStream.range(0, Integer.parseInt(args[0])).mapToObj(i -> String.valueOf(FreePorts.next()))
          .collect(Collectors.joining(" ")));
      System.out.flush();
      System.in.readAllBytes();
    }
  }

  @Test
  void twoProcessesHandingOutPortsAtOnceNeverHandOutTheSameOne() throws Exception {
    Process other = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-cp", System.getProperty("java.class.path"),
        OtherProcess.class.getName(), String.valueOf(PORTS)))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))) {
      String line = out.readLine();
      assertThat(line).as("the other process's ports").isNotNull();
      Set<Integer> theirs = Stream.of(line.trim().split(" ")).map(Integer::valueOf).collect(Collectors.toSet());
      assertThat(theirs).hasSize(PORTS);
      // None of them is bound: only the claim keeps this process off them (500 random picks of each
      // would otherwise share about 11 ports).
      List<Integer> ours = IntStream.range(0, PORTS).mapToObj(i -> FreePorts.next()).toList();
      assertThat(ours).as("ports handed out here that the other process holds").doesNotContainAnyElementsOf(theirs);
    } finally {
      other.getOutputStream().close();
      boolean ended = other.waitFor(1, TimeUnit.MINUTES);
      if (!ended) {
        other.destroyForcibly();
      }
      assertThat(ended).as("the other process ended once its input did").isTrue();
      assertThat(other.exitValue()).isZero();
    }
  }

  @Test
  void portsAreHandedOutOnceOutsideTheOutgoingConnectionRangeAndCanBeBound() throws Exception {
    List<Integer> ports = IntStream.range(0, 500).mapToObj(i -> FreePorts.next()).toList();

    assertThat(ports).doesNotHaveDuplicates();
    assertThat(ports).allSatisfy(port -> assertThat(port).isBetween(FreePorts.RANGE.lowest(), FreePorts.RANGE.highest()));
    try (ServerSocket socket = new ServerSocket(ports.get(ports.size() - 1))) {
      assertThat(socket.getLocalPort()).isEqualTo(ports.get(ports.size() - 1));
    }
  }

  @Test
  void theRangeLiesBelowTheOutgoingRangeOrAboveItWhenBelowIsTooSmall() {
    assertThat(FreePorts.range(new PortRange(32_768, 60_999))).isEqualTo(new PortRange(10_000, 32_767));
    assertThat(FreePorts.range(new PortRange(20_000, 60_999))).isEqualTo(new PortRange(10_000, 19_999));
    assertThat(FreePorts.range(new PortRange(1_024, 60_999))).isEqualTo(new PortRange(61_000, 65_535));
    assertThatThrownBy(() -> FreePorts.range(new PortRange(1_024, 65_000)))
        .hasMessageContaining("1024-65000").hasMessageContaining("ip_local_port_range");
  }
}
