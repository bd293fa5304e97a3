package io.tandem.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every relative link of the documentation pages leads to a file of the project. */
class DocumentationLinksTest {
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

  @Test
  void everyRelativeLinkResolvesToAFile() {
    List<String> checked = new ArrayList<>();
    List<String> broken = new ArrayList<>();
    for (Path page : DocumentationPages.all()) {
      for (String line : DocumentationPages.proseLines(page)) {
        Matcher matcher = LINK.matcher(line);
        while (matcher.find()) {
          String target = matcher.group(1);
          if (SCHEME.matcher(target).find() || target.startsWith("#")) {
            continue;
          }
          int anchor = target.indexOf('#');
          String file = anchor < 0 ? target : target.substring(0, anchor);
          Path resolved = DocumentationPages.ROOT.resolve(page).getParent().resolve(file).normalize();
          checked.add(page + " -> " + target);
          if (!Files.exists(resolved)) {
            broken.add(page + " -> " + target);
          }
        }
      }
    }
    assertThat(checked).as("relative links found").isNotEmpty();
    assertThat(broken).as("links that lead to no file").isEmpty();
  }
}
