package io.tandem.cli.console;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's picture of the last hour, folded from the services' catalogue events: reloads and
 * protected-mode spans per member, switchovers and dark spans per pair, members lost, hung and back.
 * Pure: the same events give the same picture.
 *
 * <p>A pair is dark while none of its members serves clients, each member judged by its own
 * health events (00-05066), and a member the Management Layer lost or found hung counted as not
 * serving until it is heard from again. A pair that has not served yet in the window (a stack
 * starting) is not dark: darkness is the loss of a service the pair gave.
 */
public final class Timeline {
  /** A bar from start to end; an open one ({@code endMs} empty) lasts until now. */
  public record Span(String lane, SpanKind kind, long startMs, Optional<Long> endMs, String label) {}

  /** A moment. */
  public record Mark(String lane, MarkKind kind, long atMs, String label) {}

  /** One catalogue event as the console received it: {@code source} is the application for a Stat Server. */
  public record Event(String service, String source, long atMs, String id, Map<String, String> fields) {
    String field(String key) {
      return fields.getOrDefault(key, "");
    }
  }

  /** A pair, as its lane is named in the Management Layer's events ({@code first/second}). */
  public record PairMembers(String first, String second) {
    String lane() {
      return first + "/" + second;
    }
  }

  public enum SpanKind { RELOAD, PROTECTED_MODE, SWITCHOVER, DARK }

  public enum MarkKind { LOST, HUNG, BACK, FAILOVER, RELOAD_FAILED }

  /** What {@link #of} gives: everything between {@code fromMs} and {@code toMs}. */
  public record Picture(long fromMs, long toMs, List<Span> spans, List<Mark> marks) {}

  private static final String STAT_SERVER = "stat-server";
  private static final String MANAGEMENT_LAYER = "management-layer";

  private Timeline() {}

  /**
   * The picture of {@code events} (in any order) from {@code fromMs} to {@code nowMs}. A member's
   * state before its first health event in {@code events} is the opposite of what that event
   * says (it is a change); a member without one is as {@code servingNow} says (its own answer now).
   */
  public static Picture of(List<Event> events, List<PairMembers> pairs, Map<String, Boolean> servingNow, long fromMs,
      long nowMs) {
    List<Event> inOrder = new ArrayList<>(events);
    inOrder.sort(Comparator.comparingLong(Event::atMs));
    Map<String, Boolean> selfServing = new HashMap<>(servingNow);
    for (int i = inOrder.size() - 1; i >= 0; i--) {
      Event e = inOrder.get(i);
      if (e.id().equals("00-05066") && STAT_SERVER.equals(e.service())) {
        selfServing.put(e.source(), !e.field("status").equals("SERVING"));
      }
    }
    List<Span> spans = new ArrayList<>();
    List<Mark> marks = new ArrayList<>();
    Map<String, Event> reloading = new HashMap<>();
    Map<String, Event> protectedSince = new HashMap<>();
    Map<String, Long> protectedEnded = new HashMap<>();
    Map<String, Event> switchingOver = new HashMap<>();
    Map<String, Boolean> heard = new HashMap<>();
    Map<String, Long> darkSince = new HashMap<>();
    Map<String, Boolean> everServed = new HashMap<>();
    for (PairMembers pair : pairs) {
      if (serves(pair.first(), selfServing, heard) || serves(pair.second(), selfServing, heard)) {
        everServed.put(pair.lane(), true);
      }
    }
    for (int i = 0; i < inOrder.size(); i++) {
      Event e = inOrder.get(i);
      String app = e.field("application");
      switch (e.id()) {
        case "02-10084" -> reloading.put(app, e);
        case "02-10085", "02-10098" -> {
          Event start = reloading.remove(app);
          long startMs = start != null ? start.atMs() : e.atMs() - parseLong(e.field("ms"));
          boolean afterProtected = protectedEnded.getOrDefault(app, Long.MIN_VALUE) >= startMs - 1_000;
          String how = (afterProtected ? "reload after protected mode" : "reload")
              + (start != null && start.field("serving").equals("true") ? ", serving" : "");
          boolean failed = e.id().equals("02-10098");
          spans.add(new Span(app, SpanKind.RELOAD, startMs, Optional.of(e.atMs()), failed
              ? how + ": failed (" + e.field("cause") + ")" : how + ": " + e.field("objects") + " objects in "
                  + (e.atMs() - startMs) + " ms"));
          if (failed) {
            marks.add(new Mark(app, MarkKind.RELOAD_FAILED, e.atMs(), "reload failed: " + e.field("cause")));
          }
        }
        case "02-10086" -> protectedSince.put(app, e);
        case "02-10087" -> {
          Event start = protectedSince.remove(app);
          spans.add(new Span(app, SpanKind.PROTECTED_MODE, start != null ? start.atMs() : e.atMs(),
              Optional.of(e.atMs()), "protected mode: " + e.field("reason")));
          protectedEnded.put(app, e.atMs());
        }
        case "43-30010" -> switchingOver.put(e.field("pair"), e);
        case "43-30011", "43-30012" -> {
          Event start = switchingOver.remove(e.field("pair"));
          long ms = parseLong(e.field("ms"));
          long startMs = start != null ? Math.min(start.atMs(), e.atMs() - ms) : e.atMs() - ms;
          spans.add(new Span(e.field("pair"), SpanKind.SWITCHOVER, startMs, Optional.of(e.atMs()),
              e.id().equals("43-30011")
                  ? "switchover (" + e.field("cause") + ") DONE in " + ms + " ms: " + e.field("to") + " is primary"
                  : "switchover (" + e.field("cause") + ") " + e.field("result") + ": " + e.field("reason")));
        }
        case "43-30014" -> marks.add(new Mark(e.field("pair"), MarkKind.FAILOVER, e.atMs(),
            "failover: " + e.field("lost") + " lost, " + e.field("promoted") + " promoted"));
        case "43-30002" -> {
          heard.put(app, false);
          marks.add(new Mark(app, MarkKind.LOST, e.atMs(), "connection lost"));
        }
        case "43-30016" -> {
          heard.put(app, false);
          marks.add(new Mark(app, MarkKind.HUNG, e.atMs(), "hung: no heartbeat for " + e.field("silent_for_ms") + " ms"));
        }
        case "43-30001", "43-30017" -> {
          boolean wasLost = Boolean.FALSE.equals(heard.put(app, true));
          if (wasLost) {
            marks.add(new Mark(app, MarkKind.BACK, e.atMs(), e.id().equals("43-30001") ? "connected again" : "heartbeats resumed"));
          }
        }
        case "00-05066" -> {
          if (STAT_SERVER.equals(e.service())) {
            selfServing.put(e.source(), e.field("status").equals("SERVING"));
          }
        }
        case "00-05061", "00-05063" -> {
          if (STAT_SERVER.equals(e.service()) && STAT_SERVER.equals(e.fields().getOrDefault("service", STAT_SERVER))) {
            // A process listening anew, or stopping, does not serve until its health says so: a
            // crashed one logged no change, and its last SERVING must not count again.
            selfServing.put(e.source(), false);
            cutShort(e, reloading, protectedSince, spans);
          } else if (e.id().equals("00-05061") && MANAGEMENT_LAYER.equals(e.service())) {
            endSwitchovers(e, "a Management Layer started", switchingOver, spans);
          }
        }
        case "43-30024" -> endSwitchovers(e, "another Management Layer leads", switchingOver, spans);
        default -> {
          // not about a reload, a switchover or serving; the millisecond is still judged below
        }
      }
      if (i + 1 < inOrder.size() && inOrder.get(i + 1).atMs() == e.atMs()) {
        continue; // judge the pair once every event of this millisecond is in: their order within it is not known
      }
      for (PairMembers pair : pairs) {
        boolean serving = serves(pair.first(), selfServing, heard) || serves(pair.second(), selfServing, heard);
        if (serving) {
          everServed.put(pair.lane(), true);
          Long since = darkSince.remove(pair.lane());
          if (since != null) {
            spans.add(dark(pair, since, Optional.of(e.atMs())));
          }
        } else if (everServed.containsKey(pair.lane()) && !darkSince.containsKey(pair.lane())) {
          darkSince.put(pair.lane(), e.atMs());
        }
      }
    }
    reloading.forEach((app, start) -> spans.add(new Span(app, SpanKind.RELOAD, start.atMs(), Optional.empty(),
        "reloading" + (start.field("serving").equals("true") ? ", serving" : ""))));
    protectedSince.forEach((app, start) -> spans.add(new Span(app, SpanKind.PROTECTED_MODE, start.atMs(),
        Optional.empty(), "in protected mode: waiting for " + start.field("backup"))));
    switchingOver.forEach((pair, start) -> spans.add(new Span(pair, SpanKind.SWITCHOVER, start.atMs(), Optional.empty(),
        "switching over (" + start.field("cause") + ")")));
    for (PairMembers pair : pairs) {
      Long since = darkSince.get(pair.lane());
      if (since != null) {
        spans.add(dark(pair, since, Optional.empty()));
      }
    }
    spans.removeIf(s -> s.endMs().orElse(nowMs) < fromMs);
    marks.removeIf(m -> m.atMs() < fromMs);
    spans.sort(Comparator.comparingLong(Span::startMs));
    marks.sort(Comparator.comparingLong(Mark::atMs));
    return new Picture(fromMs, nowMs, List.copyOf(spans), List.copyOf(marks));
  }

  /** A Stat Server that restarts or stops ends what it had under way: those bars end there. */
  private static void cutShort(Event e, Map<String, Event> reloading, Map<String, Event> protectedSince,
      List<Span> spans) {
    String member = e.source();
    String why = e.id().equals("00-05061") ? "the process started again" : "the process stopped";
    Event reload = reloading.remove(member);
    if (reload != null) {
      spans.add(new Span(member, SpanKind.RELOAD, reload.atMs(), Optional.of(e.atMs()), "reload cut short: " + why));
    }
    Event protectedMode = protectedSince.remove(member);
    if (protectedMode != null) {
      spans.add(new Span(member, SpanKind.PROTECTED_MODE, protectedMode.atMs(), Optional.of(e.atMs()),
          "protected mode cut short: " + why));
    }
  }

  /** A switchover the Management Layer had under way ends with it: a new one, or a restarted one, does not go on with it. */
  private static void endSwitchovers(Event e, String why, Map<String, Event> switchingOver, List<Span> spans) {
    switchingOver.forEach((pair, start) -> spans.add(new Span(pair, SpanKind.SWITCHOVER, start.atMs(),
        Optional.of(e.atMs()), "switchover (" + start.field("cause") + ") cut short: " + why)));
    switchingOver.clear();
  }

  /** A member serves when its last health event said so and the Management Layer has not lost it since. */
  private static boolean serves(String member, Map<String, Boolean> selfServing, Map<String, Boolean> heard) {
    return selfServing.getOrDefault(member, false) && heard.getOrDefault(member, true);
  }

  private static Span dark(PairMembers pair, long sinceMs, Optional<Long> endMs) {
    return new Span(pair.lane(), SpanKind.DARK, sinceMs, endMs, "dark: no member serving");
  }

  private static long parseLong(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
