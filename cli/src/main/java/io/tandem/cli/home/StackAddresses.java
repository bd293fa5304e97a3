package io.tandem.cli.home;

import io.tandem.protocol.link.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The addresses {@code tandem up} started its services on, kept in {@code .tandem/addresses}
 * (a properties file, one {@code name=host:port} per service), so that {@code tandem status}
 * finds them whatever ports were chosen. Each {@code up} writes it anew.
 */
public final class StackAddresses {
  /** Where {@code tandem up} keeps what it started (pid files, logs, data, this file), in the working directory. */
  public static final Path STATE_DIR = Path.of(".tandem");
  public static final String FILE = "addresses";

  private final Map<String, HostPort> byName;

  private StackAddresses(Map<String, HostPort> byName) {
    this.byName = byName;
  }

  /** Those of the stack last started from the working directory. */
  public static StackAddresses here() {
    return read(STATE_DIR);
  }

  /** Those of the stack last started in {@code stateDir}; none when it has no file. */
  public static StackAddresses read(Path stateDir) {
    Path file = stateDir.resolve(FILE);
    Map<String, HostPort> byName = new TreeMap<>();
    if (!Files.exists(file)) {
      return new StackAddresses(byName);
    }
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    for (String name : properties.stringPropertyNames()) {
      try {
        byName.put(name, HostPort.parse(properties.getProperty(name)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + name + ": " + e.getMessage(), e);
      }
    }
    return new StackAddresses(byName);
  }

  /** Replaces the file in {@code stateDir} with {@code byName}. */
  public static void write(Path stateDir, Map<String, HostPort> byName) throws IOException {
    Properties properties = new Properties();
    byName.forEach((name, address) -> properties.setProperty(name, address.toString()));
    try (Writer out = Files.newBufferedWriter(stateDir.resolve(FILE))) {
      properties.store(out, "the addresses tandem up started its services on");
    }
  }

  /** The addresses of the services named {@code base} or {@code base-N}, in name order. */
  public List<HostPort> named(String base) {
    Pattern name = Pattern.compile(Pattern.quote(base) + "(-\\d+)?");
    return byName.entrySet().stream().filter(e -> name.matcher(e.getKey()).matches()).map(Map.Entry::getValue).toList();
  }
}
