package io.tandem.cli.pair;

import io.tandem.common.security.TlsFlags;
import io.tandem.cli.link.Endpoint;
import io.tandem.management.v1.SwitchoverReply;
import io.tandem.management.v1.SwitchoverRequest;
import io.tandem.management.v1.SwitchoverResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tandem switchover APP}. */
@Command(name = "switchover", mixinStandardHelpOptions = true,
    description = "Switch the pair APP belongs to over (primary becomes backup, backup becomes primary); prints the result.")
public final class SwitchoverCommand implements Callable<Integer> {
  @Mixin
  ManagementOption management;

  @Mixin
  TlsFlags tls;

  @Parameters(index = "0", paramLabel = "APP", description = "Either member of the pair.")
  String application;

  @Override
  public Integer call() {
    try (Endpoint endpoint = management.open(tls)) {
      SwitchoverReply reply = ManagementOption.stub(endpoint)
          .switchover(SwitchoverRequest.newBuilder().setApplication(application).build());
      if (reply.getResult() == SwitchoverResult.DONE) {
        System.out.printf("DONE in %d ms: %s is primary%n", reply.getDurationMs(), reply.getPrimary());
        return 0;
      }
      System.out.printf("%s after %d ms: %s%s%n", reply.getResult(), reply.getDurationMs(), reply.getMessage(),
          reply.getPrimary().isEmpty() ? "" : " (" + reply.getPrimary() + " is primary)");
      return 1;
    }
  }
}
