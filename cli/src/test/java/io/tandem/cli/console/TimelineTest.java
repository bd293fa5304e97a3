package io.tandem.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.cli.console.Timeline.Event;
import io.tandem.cli.console.Timeline.MarkKind;
import io.tandem.cli.console.Timeline.PairMembers;
import io.tandem.cli.console.Timeline.Picture;
import io.tandem.cli.console.Timeline.Span;
import io.tandem.cli.console.Timeline.SpanKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimelineTest {
  private static final List<PairMembers> PAIR = List.of(new PairMembers("A", "B"));
  private static final Map<String, Boolean> BOTH_SERVING = Map.of("A", true, "B", true);

  private final List<Event> events = new ArrayList<>();

  private void at(long ms, String service, String source, String id, String... fields) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < fields.length; i += 2) {
      map.put(fields[i], fields[i + 1]);
    }
    events.add(new Event(service, source, ms, id, map));
  }

  private void health(long ms, String member, boolean serving) {
    at(ms, "stat-server", member, "00-05066", "status", serving ? "SERVING" : "NOT_SERVING", "reason", "r");
  }

  private Picture picture() {
    return Timeline.of(events, PAIR, BOTH_SERVING, 0, 100_000);
  }

  private List<Span> spans(SpanKind kind) {
    return picture().spans().stream().filter(s -> s.kind() == kind).toList();
  }

  @Test
  void aProtectedReloadDrawsTheBackupsReloadTheSwitchoverAndThePrimarysReloadAndNoDarkSpan() {
    at(1_000, "stat-server", "A", "02-10086", "application", "A", "backup", "B");
    at(1_001, "stat-server", "B", "02-10084", "application", "B", "serving", "false");
    health(1_002, "B", false);
    health(1_500, "B", true);
    at(1_500, "stat-server", "B", "02-10085", "application", "B", "objects", "12", "ms", "499");
    at(1_600, "management-layer", "ml", "43-30010", "pair", "A/B", "cause", "MANUAL", "primary", "A");
    at(1_700, "management-layer", "ml", "43-30011", "pair", "A/B", "cause", "MANUAL", "from", "A", "to", "B", "ms", "100");
    at(1_710, "stat-server", "A", "02-10087", "application", "A", "reason", "switched to backup");
    at(1_711, "stat-server", "A", "02-10084", "application", "A", "serving", "false");
    health(1_711, "A", false);
    health(2_000, "A", true);
    at(2_000, "stat-server", "A", "02-10085", "application", "A", "objects", "12", "ms", "289");

    assertThat(picture().spans()).extracting(Span::lane, Span::kind, Span::startMs).containsExactly(
        org.assertj.core.groups.Tuple.tuple("A", SpanKind.PROTECTED_MODE, 1_000L),
        org.assertj.core.groups.Tuple.tuple("B", SpanKind.RELOAD, 1_001L),
        org.assertj.core.groups.Tuple.tuple("A/B", SpanKind.SWITCHOVER, 1_600L),
        org.assertj.core.groups.Tuple.tuple("A", SpanKind.RELOAD, 1_711L));
    assertThat(spans(SpanKind.RELOAD).get(1).label()).startsWith("reload after protected mode");
    assertThat(spans(SpanKind.RELOAD).get(0).label()).isEqualTo("reload: 12 objects in 499 ms");
    assertThat(spans(SpanKind.SWITCHOVER).get(0).label()).contains("DONE in 100 ms: B is primary");
  }

  @Test
  void aPairIsDarkWhileNeitherMemberServes() {
    health(1_000, "A", false);
    health(1_200, "B", false);
    health(1_500, "B", true);
    health(2_000, "A", true);

    assertThat(spans(SpanKind.DARK)).singleElement()
        .satisfies(dark -> assertThat(dark).isEqualTo(new Span("A/B", SpanKind.DARK, 1_200, Optional.of(1_500L),
            "dark: no member serving")));
  }

  @Test
  void aDarkSpanStillGoingLastsUntilNow() {
    health(1_000, "A", false);
    health(1_200, "B", false);

    assertThat(spans(SpanKind.DARK)).singleElement().satisfies(dark -> assertThat(dark.endMs()).isEmpty());
  }

  @Test
  void aMemberTheManagementLayerLostCountsAsNotServingUntilHeardAgain() {
    at(1_000, "management-layer", "ml", "43-30002", "application", "A");
    health(1_200, "B", false);
    at(1_300, "management-layer", "ml", "43-30001", "application", "A");

    assertThat(spans(SpanKind.DARK)).singleElement().satisfies(dark -> {
      assertThat(dark.startMs()).isEqualTo(1_200);
      assertThat(dark.endMs()).contains(1_300L);
    });
    assertThat(picture().marks()).extracting(Timeline.Mark::kind).containsExactly(MarkKind.LOST, MarkKind.BACK);
  }

  @Test
  void aPairStartingIsNotDarkBeforeItFirstServed() {
    health(1_000, "A", true);
    health(1_100, "B", true);

    assertThat(Timeline.of(events, PAIR, Map.of(), 0, 100_000).spans()).isEmpty();
  }

  @Test
  void aMemberWithoutHealthEventsIsAsItSaysNow() {
    health(1_000, "A", false);
    health(2_000, "A", true);

    assertThat(Timeline.of(events, PAIR, Map.of("B", true), 0, 100_000).spans()).isEmpty();
    assertThat(Timeline.of(events, PAIR, Map.of("B", false), 0, 100_000).spans())
        .extracting(Span::kind, Span::startMs).containsExactly(org.assertj.core.groups.Tuple.tuple(SpanKind.DARK, 1_000L));
  }

  @Test
  void aReloadStillRunningIsAnOpenBarAndAFailedOneIsMarked() {
    at(1_000, "stat-server", "A", "02-10084", "application", "A", "serving", "true");
    at(2_000, "stat-server", "A", "02-10098", "application", "A", "cause", "out of memory");
    at(3_000, "stat-server", "B", "02-10084", "application", "B", "serving", "true");

    assertThat(spans(SpanKind.RELOAD)).extracting(Span::lane, Span::endMs).containsExactly(
        org.assertj.core.groups.Tuple.tuple("A", Optional.of(2_000L)),
        org.assertj.core.groups.Tuple.tuple("B", Optional.empty()));
    assertThat(picture().marks()).extracting(Timeline.Mark::kind).containsExactly(MarkKind.RELOAD_FAILED);
  }

  @Test
  void whatEndedBeforeTheWindowIsLeftOut() {
    at(1_000, "stat-server", "A", "02-10084", "application", "A");
    at(2_000, "stat-server", "A", "02-10085", "application", "A", "objects", "1", "ms", "1000");

    assertThat(Timeline.of(events, PAIR, BOTH_SERVING, 5_000, 100_000).spans()).isEmpty();
  }

  @Test
  void aMemberThatRestartedDoesNotServeUntilItsHealthSaysSo() {
    at(1_000, "management-layer", "ml", "43-30002", "application", "A");
    at(1_000, "management-layer", "ml", "43-30002", "application", "B");
    at(2_000, "stat-server", "A", "00-05061", "service", "stat-server");
    at(2_000, "stat-server", "B", "00-05061", "service", "stat-server");
    at(3_000, "management-layer", "ml", "43-30001", "application", "A");
    at(3_000, "management-layer", "ml", "43-30001", "application", "B");
    health(4_000, "B", true);

    assertThat(spans(SpanKind.DARK)).singleElement().satisfies(dark -> {
      assertThat(dark.startMs()).isEqualTo(1_000);
      assertThat(dark.endMs()).contains(4_000L);
    });
  }

  @Test
  void aReloadUnderWayWhenTheProcessRestartedEndsThere() {
    at(1_000, "stat-server", "A", "02-10084", "application", "A", "serving", "false");
    at(5_000, "stat-server", "A", "00-05061", "service", "stat-server");

    assertThat(spans(SpanKind.RELOAD)).singleElement().satisfies(reload -> {
      assertThat(reload.endMs()).contains(5_000L);
      assertThat(reload.label()).isEqualTo("reload cut short: the process started again");
    });
  }

  @Test
  void eventsOfOneMillisecondAreJudgedTogether() {
    health(2_000, "A", false);
    health(2_000, "B", true);
    health(1_000, "B", false);

    assertThat(spans(SpanKind.DARK)).isEmpty();
  }

  @Test
  void aMillisecondEndingWithAnotherKindOfEventIsStillJudged() {
    health(1_000, "A", false);
    health(1_000, "B", false);
    at(1_000, "config-server", "cs", "21-20010", "client", "X");
    health(2_000, "B", true);
    at(2_000, "config-server", "cs", "21-20010", "client", "X");

    assertThat(spans(SpanKind.DARK)).singleElement().satisfies(dark -> {
      assertThat(dark.startMs()).isEqualTo(1_000);
      assertThat(dark.endMs()).contains(2_000L);
    });
  }

  @Test
  void aSwitchoverUnderWayWhenAnotherManagementLayerLeadsEndsThere() {
    at(1_000, "management-layer", "ml1", "43-30010", "pair", "A/B", "cause", "MANUAL", "primary", "A");
    at(4_000, "management-layer", "ml2", "43-30024", "epochs_above", "7");

    assertThat(spans(SpanKind.SWITCHOVER)).singleElement().satisfies(switchover -> {
      assertThat(switchover.endMs()).contains(4_000L);
      assertThat(switchover.label()).isEqualTo("switchover (MANUAL) cut short: another Management Layer leads");
    });
  }
}
