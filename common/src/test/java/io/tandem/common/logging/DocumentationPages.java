package io.tandem.common.logging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The project's documentation pages, as the tests that check them read them: the top README, every
 * page of {@code docs/}, and the README of every module. Paths are relative to the project root.
 */
final class DocumentationPages {
  static final Path ROOT = Path.of("..");

  private DocumentationPages() {}

  /** Every page, relative to {@link #ROOT}, in a stable order. */
  static List<Path> all() {
    List<Path> pages = new ArrayList<>();
    pages.add(Path.of("README.md"));
    pages.addAll(markdownIn(ROOT.resolve("docs")));
    try (Stream<Path> folders = Files.list(ROOT)) {
      folders.filter(Files::isDirectory)
          .map(folder -> folder.resolve("README.md"))
          .filter(Files::isRegularFile)
          .map(ROOT::relativize)
          .sorted()
          .forEach(pages::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pages;
  }

  /** The text of {@code page} (relative to {@link #ROOT}). */
  static String read(Path page) {
    try {
      return Files.readString(ROOT.resolve(page));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The page's lines outside fenced code blocks. */
  static List<String> proseLines(Path page) {
    List<String> lines = new ArrayList<>();
    boolean inFence = false;
    for (String line : read(page).split("\n", -1)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
      } else if (!inFence) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static List<Path> markdownIn(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".md"))
          .map(ROOT::relativize)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
