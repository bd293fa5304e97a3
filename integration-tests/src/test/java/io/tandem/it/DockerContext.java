package io.tandem.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What Docker's classic builder (engine 20.10, the one compose v1 drives) sends as a build
 * context: the files of a folder that its {@code .dockerignore} lets through. Its rules, as the
 * engine applies them: patterns in order, the last that matches a file or one of its parent
 * folders decides, {@code !} lets through again; an excluded folder is not even entered unless an
 * exception starts with its path literally — which is why {@code !*}{@code /target/x.jar} lets
 * nothing through while {@code !target/x.jar} does.
 */
final class DockerContext {
  private record Rule(String pattern, Pattern regex, int depth, boolean exception) {}

  private final List<Rule> rules = new ArrayList<>();

  DockerContext(List<String> dockerignoreLines) {
    for (String line : dockerignoreLines) {
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      boolean exception = text.startsWith("!");
      String pattern = clean(exception ? text.substring(1).strip() : text);
      rules.add(new Rule(pattern, Pattern.compile(regex(pattern)), pattern.split("/").length, exception));
    }
  }

  /** The rules of {@code contextDir/.dockerignore} (none when it has none). */
  static DockerContext of(Path contextDir) throws IOException {
    Path ignore = contextDir.resolve(".dockerignore");
    return new DockerContext(Files.exists(ignore) ? Files.readAllLines(ignore) : List.of());
  }

  /** The files under {@code contextDir} the build context holds, as paths relative to it. */
  List<String> filesSent(Path contextDir) {
    List<String> sent = new ArrayList<>();
    try {
      Files.walkFileTree(contextDir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
          if (dir.equals(contextDir)) {
            return FileVisitResult.CONTINUE;
          }
          String relative = relative(contextDir, dir);
          if (!excluded(relative)) {
            return FileVisitResult.CONTINUE;
          }
          for (Rule rule : rules) {
            if (rule.exception() && (rule.pattern() + "/").startsWith(relative + "/")) {
              return FileVisitResult.CONTINUE;
            }
          }
          return FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          String relative = relative(contextDir, file);
          if (!excluded(relative)) {
            sent.add(relative);
          }
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sent.sort(null);
    return sent;
  }

  /** Whether the rules leave {@code path} out: the last rule matching it or a parent folder decides. */
  boolean excluded(String path) {
    String[] parents = path.contains("/") ? path.substring(0, path.lastIndexOf('/')).split("/") : new String[0];
    boolean excluded = false;
    for (Rule rule : rules) {
      boolean match = rule.regex().matcher(path).matches();
      if (!match && parents.length > 0 && rule.depth() <= parents.length) {
        match = rule.regex().matcher(String.join("/", List.of(parents).subList(0, rule.depth()))).matches();
      }
      if (match) {
        excluded = !rule.exception();
      }
    }
    return excluded;
  }

  private static String relative(Path root, Path path) {
    return root.relativize(path).toString().replace('\\', '/');
  }

  private static String clean(String pattern) {
    String cleaned = Path.of(pattern).normalize().toString().replace('\\', '/');
    return cleaned.startsWith("/") ? cleaned.substring(1) : cleaned;
  }

  /** Go's filepath.Match, as the engine extends it: {@code *} and {@code ?} within a name, {@code **} across names. */
  private static String regex(String pattern) {
    StringBuilder regex = new StringBuilder("^");
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '*') {
        if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
          i++;
          if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
            i++;
            regex.append("(.*/)?");
          } else {
            regex.append(".*");
          }
        } else {
          regex.append("[^/]*");
        }
      } else if (c == '?') {
        regex.append("[^/]");
      } else if (c == '[') {
        int end = pattern.indexOf(']', i);
        regex.append(pattern, i, end + 1);
        i = end;
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return regex.append('$').toString();
  }
}
