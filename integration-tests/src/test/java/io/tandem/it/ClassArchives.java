package io.tandem.it;

import io.tandem.cli.home.Directories;
import io.tandem.common.security.TlsFlags;
import io.tandem.testing.RunnableJars;
import io.tandem.testing.Service;
import io.tandem.testing.StackMember;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Class-data sharing archives of the runnable jars (the JDK's CDS): the scenarios start some two
 * hundred JVMs, and each spends most of its start loading, verifying and linking the same few
 * thousand classes. An archive holds them ready to map. The archives are made once per build of
 * the jars, before the first process starts, by a training stack (a Config Server, a Management
 * Layer, a Stat Server and a command) whose JVMs write what they loaded when they stop; they live
 * in {@code -Dtandem.it.class-archives} (the module's {@code target}), one per jar, named after its
 * size and time, so a rebuilt jar is never paired with an archive of another build. Without the
 * property there are none and every JVM loads its classes itself.
 */
final class ClassArchives {
  private static final String DIRECTORY_PROPERTY = "tandem.it.class-archives";
  /** Exit codes of a JVM stopped by SIGTERM (or returning from main): it wrote its archive. */
  private static final List<Integer> STOPPED_CLEANLY = List.of(0, 143);

  /** How long a training JVM may take to link its classes, write its archive and exit, on a busy machine. */
  private static final Duration STOP_DEADLINE = Duration.ofMinutes(5);

  /** The training's outcome, once it ran: every scenario that asks after a failed one gets the same failure. */
  private static RuntimeException trainingFailed;
  private static boolean trained;

  private ClassArchives() {}

  /** The flag that maps {@code jar}'s archive; none without the property. Trains the archives first if needed. */
  @SuppressWarnings("StaticAssignmentOfThrowable") // the training's failure, rethrown (wrapped) to every later caller
  static synchronized List<String> flags(Path jar) {
    String directory = System.getProperty(DIRECTORY_PROPERTY);
    if (directory == null) {
      return List.of();
    }
    Path dir = Path.of(directory);
    if (!trained) {
      trained = true;
      try {
        train(dir);
      } catch (RuntimeException e) {
        trainingFailed = e;
      }
    }
    if (trainingFailed != null) {
      throw new IllegalStateException("the class-data sharing archives could not be made (see the cause)", trainingFailed);
    }
    Path archive = archiveOf(dir, jar);
    return Files.isRegularFile(archive) ? mapping(archive) : List.of();
  }

  /**
   * The flags that map {@code archive} where it was written. Some JDK 17 builds (Debian's among
   * them) map archives at a random address by default, so that every JVM first rewrites every
   * pointer in them: a tenth of a second of CPU per start here, and private copies of pages that
   * could be shared. A scenario's JVMs gain nothing from that randomness; mapping in place leaves
   * what a service does unchanged.
   */
  private static List<String> mapping(Path archive) {
    return List.of("-XX:SharedArchiveFile=" + archive, "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0");
  }

  /**
   * {@code jar}'s archive: the jar's name, size and modification time, and the JVM's version (an
   * archive only maps into the JVM that wrote it).
   */
  private static Path archiveOf(Path dir, Path jar) {
    try {
      String name = jar.getFileName().toString().replaceFirst("\\.jar$", "");
      String vm = System.getProperty("java.vm.version").replaceAll("[^A-Za-z0-9.]", "_");
      return dir.resolve(name + "-" + Files.size(jar) + "-" + Files.getLastModifiedTime(jar).toMillis() + "-" + vm + ".jsa");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void train(Path dir) {
    Map<Path, Path> archives = new LinkedHashMap<>();
    for (Service service : Service.values()) {
      archives.put(RunnableJars.of(service), null);
    }
    archives.put(Jars.cli(), null);
    archives.replaceAll((jar, none) -> archiveOf(dir, jar));
    if (archives.values().stream().allMatch(Files::isRegularFile)) {
      return;
    }
    Path training = null;
    try {
      Files.createDirectories(dir);
      training = Files.createTempDirectory(dir, "training-");
      Path trainingDir = training;
      Map<Path, Path> written = new LinkedHashMap<>();
      archives.forEach((jar, archive) -> written.put(jar, trainingDir.resolve(archive.getFileName())));
      List<StackMember> members = new ArrayList<>();
      try (PairStack stack = new PairStack(training, PairStack.Setup.standalone(),
          service -> trainingFlags(ServiceJvm.serviceFlags(), written.get(RunnableJars.of(service))))) {
        stack.start();
        Cli.Result history = Cli.run(trainingFlags(ServiceJvm.buildFlags(), written.get(Jars.cli())), training,
            Map.of(TlsFlags.DIRECTORY_VARIABLE, stack.stack.pkiDirectory().toString()),
            "config", "history", "--config-server", "localhost:" + stack.configPort);
        if (history.exitCode() != 0) {
          throw new IllegalStateException("the training command failed: " + history.output());
        }
        members.addAll(stack.stack.members());
        stopAll(stack);
      }
      for (StackMember member : members) {
        int exit = member.exitCode().orElseThrow();
        if (!STOPPED_CLEANLY.contains(exit)) {
          throw new IllegalStateException(member.name() + " of the training stack exited with " + exit
              + ", its archive may be incomplete; its log:\n" + member.logText());
        }
      }
      for (Map.Entry<Path, Path> entry : archives.entrySet()) {
        Path archive = entry.getValue();
        removeOthersOf(dir, entry.getKey(), archive);
        Files.move(written.get(entry.getKey()), archive, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      }
      Directories.deleteRecursively(training);
    } catch (Exception e) {
      IllegalStateException failed =
          new IllegalStateException("making the class-data sharing archives of the runnable jars failed", e);
      if (training != null) {
        try {
          Directories.deleteRecursively(training);
        } catch (IOException cleanup) {
          failed.addSuppressed(cleanup);
        }
      }
      throw failed;
    }
  }

  /**
   * SIGTERM to every member at once, then waits for each to exit. Before its shutdown hooks run, a
   * JVM writing an archive links every class it loaded, which can take longer than the grace a
   * stack gives a member to stop.
   */
  private static void stopAll(PairStack stack) throws Exception {
    List<ProcessHandle> processes = new ArrayList<>();
    for (StackMember member : stack.stack.members()) {
      ProcessHandle.of(stack.stack.pid(member.name())).ifPresent(processes::add);
    }
    processes.forEach(ProcessHandle::destroy);
    for (ProcessHandle process : processes) {
      process.onExit().get(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private static List<String> trainingFlags(List<String> flags, Path archive) {
    List<String> all = new ArrayList<>(flags);
    all.add("-XX:ArchiveClassesAtExit=" + archive);
    return all;
  }

  /** Archives of earlier builds of {@code jar}. */
  private static void removeOthersOf(Path dir, Path jar, Path keep) throws IOException {
    String prefix = jar.getFileName().toString().replaceFirst("\\.jar$", "") + "-";
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, prefix + "*.jsa")) {
      for (Path archive : old) {
        if (!archive.equals(keep)) {
          Files.delete(archive);
        }
      }
    }
  }
}
