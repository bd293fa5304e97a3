package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tandem.testing.Chromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * {@code tandem console} in a real browser (Debian's headless Chromium through its chromedriver):
 * what an operator sees of the pair, of a protected reload on the timeline, and of a switchover
 * asked for with the page's button; and that the console refuses a request without its token.
 */
@Order(9)
class ConsoleBrowserTest {
  private static final Pattern URL = Pattern.compile("open (http://127\\.0\\.0\\.1:\\d+/\\?token=\\S+)");
  private static final Path SCREENSHOTS = Path.of("target", "console");

  @TempDir
  Path workDir;

  private String configAddress;
  private String managementAddress;
  private Process console;
  private WebDriver browser;

  private Chromium.Installed chromium;

  @BeforeEach
  void up() throws Exception {
    chromium = Chromium.require();
    Cli.Stack stack = Cli.up(workDir);
    configAddress = stack.configAddress();
    managementAddress = stack.managementAddress();
  }

  @AfterEach
  void down() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (console != null) {
      console.destroy();
      console.waitFor(30, TimeUnit.SECONDS);
    }
    Cli.run(workDir, "down");
  }

  @Test
  void theOperatorSeesTheProtectedReloadDrawnAndSwitchesThePairOverFromThePage() throws Exception {
    Path output = workDir.resolve("console.out");
    console = Cli.start(workDir, output, "console", "--port", "0", "--management", managementAddress,
        "--config-server", configAddress);
    String url = await("the console's URL").atMost(Duration.ofSeconds(60)).until(() -> url(output), Optional::isPresent)
        .orElseThrow();
    int port = URI.create(url).getPort();

    assertThat(status("http://127.0.0.1:" + port + "/")).as("the page without the token").isEqualTo(403);
    assertThat(status("http://127.0.0.1:" + port + "/api/state")).as("the state without the token").isEqualTo(403);
    assertThat(status("http://127.0.0.1:" + port + "/?token=not-the-token")).as("a wrong token").isEqualTo(403);

    browser = chrome(chromium);
    browser.get(url);
    await("both members shown with their roles").atMost(Duration.ofSeconds(60))
        .until(() -> modes().containsAll(List.of("PRIMARY", "BACKUP")));
    String primary = memberIn("PRIMARY");
    String backup = memberIn("BACKUP");
    assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token=");

    assertThat(Cli.run(workDir, "config", "expire-history", "--config-server", configAddress).exitCode()).isZero();
    await("the old primary's reload drawn").atMost(Duration.ofMinutes(2))
        .until(() -> finished(spans("RELOAD", primary)) && !spans("SWITCHOVER", pairLane(primary, backup)).isEmpty());
    long backupReload = start(spans("RELOAD", backup).get(0));
    long switchover = start(spans("SWITCHOVER", pairLane(primary, backup)).get(0));
    long primaryReload = start(spans("RELOAD", primary).get(0));
    assertThat(List.of(backupReload, switchover, primaryReload)).as("backup reload, switchover, old primary reload")
        .isSorted().doesNotHaveDuplicates();
    assertThat(read("#timeline-chart rect[data-kind='DARK']", "data-span")).as("dark spans").isEmpty();
    // The table of members comes from the Management Layer's answer, read with a deadline of its own
    // at each refresh; the timeline from the services' event streams: on a busy machine the table
    // can show the last answer for a refresh or two after the timeline moved on.
    await("the backup shown as primary").atMost(Duration.ofSeconds(60)).until(() -> memberIn("PRIMARY").equals(backup));
    screenshot("protected-reload.png");

    long doneBefore = switchoversDone(pairLane(primary, backup));
    await("the button clicked").atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(
        StaleElementReferenceException.class).until(() -> {
          browser.findElement(By.cssSelector("button.switchover")).click();
          return true;
        });
    await("the confirmation").atMost(Duration.ofSeconds(10))
        .until(() -> browser.findElement(By.id("confirm")).isDisplayed());
    assertThat(browser.findElement(By.id("confirm-text")).getText()).contains(backup + " becomes backup");
    browser.findElement(By.id("confirm-ok")).click();
    await("the roles swapped").atMost(Duration.ofSeconds(60))
        .until(() -> memberIn("PRIMARY").equals(primary) && memberIn("BACKUP").equals(backup));
    await("the switchover's result shown").atMost(Duration.ofSeconds(30))
        .until(() -> read("#switchover-result", "text").stream().anyMatch(r -> r.startsWith("DONE")));
    await("the switchover drawn").atMost(Duration.ofSeconds(30))
        .until(() -> switchoversDone(pairLane(primary, backup)) == doneBefore + 1);
    screenshot("switchover.png");
  }

  private static WebDriver chrome(Chromium.Installed chromium) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.browser().toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,1400");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromium.driver().toFile()).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /**
   * The {@code attribute}s of what {@code css} selects, read in one script: the page draws its
   * parts again as the state changes, and elements looked up one call earlier may be gone.
   */
  @SuppressWarnings("unchecked")
  private List<String> read(String css, String attribute) {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
        "return [...document.querySelectorAll(arguments[0])].map(e => arguments[1] === 'text' ? e.textContent"
            + " : (e.getAttribute(arguments[1]) || ''))", css, attribute);
  }

  private List<String> modes() {
    return read("tr[data-application] td[data-field='mode']", "text");
  }

  /** The member shown in {@code mode}, or empty. */
  private String memberIn(String mode) {
    List<String> members = read("tr[data-application]", "data-application");
    List<String> modes = modes();
    for (int i = 0; i < Math.min(members.size(), modes.size()); i++) {
      if (modes.get(i).equals(mode)) {
        return members.get(i);
      }
    }
    return "";
  }

  private static String pairLane(String a, String b) {
    return a.compareTo(b) < 0 ? a + "/" + b : b + "/" + a;
  }

  /** Where the spans of {@code kind} on {@code lane} start and end ("" while still going), in one read. */
  private List<String> spans(String kind, String lane) {
    return read("#timeline-chart rect[data-kind='" + kind + "'][data-lane='" + lane + "']", "data-span");
  }

  /** How many switchovers on {@code lane} the timeline draws as done (refused ones are drawn too). */
  private long switchoversDone(String lane) {
    return read("#timeline-chart rect[data-kind='SWITCHOVER'][data-lane='" + lane + "']", "text").stream()
        .filter(title -> title.contains(" DONE in ")).count();
  }

  private static boolean finished(List<String> spans) {
    return !spans.isEmpty() && !spans.get(0).endsWith("-");
  }

  private static long start(String span) {
    return Long.parseLong(span.substring(0, span.indexOf('-')));
  }

  /** A picture of the page, its timeline drawn over the last minute (where a reload is wider than a line). */
  private void screenshot(String name) throws Exception {
    browser.findElement(By.cssSelector("#window option[value='1']")).click();
    Files.createDirectories(SCREENSHOTS);
    Path shot = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }

  private static int status(String address) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(address)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static Optional<String> url(Path output) throws Exception {
    if (!Files.exists(output)) {
      return Optional.empty();
    }
    Matcher m = URL.matcher(Files.readString(output));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }
}
