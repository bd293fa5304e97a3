package io.tandem.cli.stack;

import java.util.List;

/**
 * One process of the local stack: its name, module (whose jar it runs), the application it runs as
 * (its certificate's), port, metrics port (0: none) and flags.
 */
record StackMember(String name, String module, String application, int port, int metricsPort, List<String> args) {}
