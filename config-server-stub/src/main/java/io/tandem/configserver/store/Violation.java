package io.tandem.configserver.store;

/**
 * A rule or a limit an object breaks: where in the object ({@code field}, empty for the whole
 * object), what a refusal says about it, and for a limit the size of what is over it.
 *
 * <p>Objects stored before today's limits and rules may break them. A write to such an object
 * may keep what it already breaks — the same rule broken in the same place, a part over its
 * limit no larger than it was — so that it can be repaired a step at a time; it may break
 * nothing new.
 */
record Violation(Kind kind, String field, String problem, long size) {
  enum Kind {
    /** A rule: broken or not ({@code size} 0). */
    RULE,
    /** A limit on a size: a value or the whole object has {@code size} bytes, more than allowed. */
    LIMIT
  }

  static Violation rule(String field, String problem) {
    return new Violation(Kind.RULE, field, problem, 0);
  }

  static Violation limit(String field, String problem, long size) {
    return new Violation(Kind.LIMIT, field, problem, size);
  }

  /** Whether {@code stored}, a violation of the object a write replaces, already broke this rule, at least as much. */
  boolean keptFrom(Violation stored) {
    return kind == stored.kind && field.equals(stored.field)
        && (kind == Kind.RULE ? problem.equals(stored.problem) : size <= stored.size);
  }

  /** What a refusal says, for an object a request names {@code path} ("objects[3]", "option statserver/x"). */
  String refusal(String path) {
    return path + (field.isEmpty() ? "" : "." + field) + ": " + problem;
  }
}
