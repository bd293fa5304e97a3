package io.tandem.common.security;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/** Which identities may make a call. */
public interface AccessRule {
  /** The identity of the operator's command line: configuration writes, switchovers, maintenance. */
  String OPERATOR = "operator";
  /** The identity of routing clients and producers. */
  String CLIENT = "client";
  /** The identity of a metrics scraper (Prometheus). */
  String MONITOR = "monitor";

  boolean allows(String identity);

  /** For docs/security.md and for refusals: "operator", "operator, applications in the configuration". */
  String describe();

  /** Any caller with a certificate from the authority. */
  static AccessRule anyAuthenticated() {
    return of("any identity", identity -> true);
  }

  static AccessRule only(String... identities) {
    Set<String> allowed = Set.of(identities);
    return of(String.join(", ", List.of(identities)), allowed::contains);
  }

  static AccessRule of(String description, Predicate<String> allowed) {
    return new AccessRule() {
      @Override
      public boolean allows(String identity) {
        return allowed.test(identity);
      }

      @Override
      public String describe() {
        return description;
      }
    };
  }
}
