package io.tandem.statserver.stats;

/** Calls answered, calls handled (talk plus after-call work done) and their handle time. */
final class Totals {
  long answered;
  long handled;
  long handleMs;

  Totals copy() {
    Totals t = new Totals();
    t.answered = answered;
    t.handled = handled;
    t.handleMs = handleMs;
    return t;
  }
}
