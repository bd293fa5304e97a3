package io.tandem.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.or;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rules over the main classes of every module (this module's test class path holds them all):
 * a package cycle makes two packages one unit that can only be understood, tested and moved
 * together, so none is allowed; and the decisions stay free of transport and wiring, so they
 * run the same in the services, in unit tests with a hand-moved clock and in the simulator.
 */
class ArchitectureTest {
  private static JavaClasses tandem;

  @BeforeAll
  static void importTandem() {
    tandem = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages("io.tandem");
  }

  @Test
  void everyModuleIsRead() {
    List<String> oneClassOfEachModule = List.of("io.tandem.config.v1.ConfigObject",
        "io.tandem.protocol.reload.ReloadStateMachine", "io.tandem.common.bootstrap.ServiceRunner",
        "io.tandem.pki.PemFiles", "io.tandem.etcd.EtcdEndpoints", "io.tandem.client.WarmStandbyClient", "io.tandem.testing.StackMember",
        "io.tandem.configserver.ConfigServerMain", "io.tandem.management.ManagementLayerMain",
        "io.tandem.statserver.StatServerMain", "io.tandem.cli.TandemCli", "io.tandem.bench.ThroughputBench",
        "io.tandem.simulation.SimulationMain");
    assertThat(oneClassOfEachModule).allMatch(tandem::contain);
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.tandem.(**)").should().beFreeOfCycles().check(tandem);
  }

  @Test
  void decisionsUseNoGrpcGuiceOrNetty() {
    noClasses().that().resideInAPackage("io.tandem.protocol..")
        .should().dependOnClassesThat(or(
            resideInAnyPackage("io.grpc..", "com.google.inject..", "io.netty.."),
            simpleNameEndingWith("Grpc")))
        .check(tandem);
  }
}
