package io.tandem.cli.stack;

import java.util.List;

/** One process of the local stack: its name, module (whose jar it runs), port and flags. */
record StackMember(String name, String module, int port, List<String> args) {}
