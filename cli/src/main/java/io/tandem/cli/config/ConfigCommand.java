package io.tandem.cli.config;

import io.tandem.common.security.TlsFlags;
import com.google.protobuf.util.Timestamps;
import io.tandem.cli.link.Endpoint;
import io.tandem.common.config.ConfigYaml;
import io.tandem.common.config.ObjectTypes;
import io.tandem.config.v1.ClientSession;
import io.tandem.config.v1.ConfigObject;
import io.tandem.config.v1.DeleteObjectRequest;
import io.tandem.config.v1.DropSessionsRequest;
import io.tandem.config.v1.ExpireHistoryRequest;
import io.tandem.config.v1.GetHistoryInfoRequest;
import io.tandem.config.v1.GetObjectRequest;
import io.tandem.config.v1.HistoryInfo;
import io.tandem.config.v1.ObjectType;
import io.tandem.protocol.options.OptionCatalogue;
import io.tandem.config.v1.SetOptionRequest;
import io.tandem.config.v1.WriteResult;
import io.tandem.protocol.options.Durations;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem config ...}: read and change what the Config Server holds. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Read and change the configuration in the Config Server; operate its history log.",
    subcommands = {
        ConfigCommand.ListCommand.class,
        ConfigCommand.GetCommand.class,
        ConfigCommand.ApplyCommand.class,
        ConfigCommand.SetOptionCommand.class,
        ConfigCommand.DeleteCommand.class,
        ConfigCommand.HistoryCommand.class,
        ConfigCommand.ExpireHistoryCommand.class,
        ConfigCommand.DropSessionsCommand.class,
        ConfigCommand.GenerateCommand.class,
        WatchCommand.class,
    })
public final class ConfigCommand {
  private ConfigCommand() {}

  /** {@code TYPE NAME}: one configuration object. */
  static final class ObjectReference {
    @Parameters(index = "0", paramLabel = "TYPE", converter = TypeConverter.class,
        description = "Application, Agent, AgentGroup or Queue.")
    ObjectType type;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Override
    public String toString() {
      return ObjectTypes.displayName(type) + " " + name;
    }
  }

  /** Object types as operators write them. */
  static final class TypeConverter implements ITypeConverter<ObjectType> {
    @Override
    public ObjectType convert(String value) {
      return ObjectTypes.parse(value);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the objects of one type.")
  static final class ListCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Parameters(index = "0", paramLabel = "TYPE", converter = TypeConverter.class,
        description = "Application, Agent, AgentGroup or Queue.")
    ObjectType type;

    @Override
    public Integer call() {
      try (Endpoint endpoint = server.open(tls)) {
        List<ConfigObject> objects = new ArrayList<>();
        long consistentAt = ConfigServerOption.session(endpoint).snapshot(Set.of(type), objects::add,
            Endpoint.CALL_DEADLINE);
        System.out.printf("%-24s %8s %7s  %s%n", "NAME", "DBID", "VERSION", "DETAIL");
        for (ConfigObject o : objects) {
          System.out.printf("%-24s %8d %7d  %s%n", o.getName(), o.getDbid(), o.getVersion(), detail(o));
        }
        System.out.printf("%d %s object(s), as of event %d%n", objects.size(), ObjectTypes.displayName(type), consistentAt);
        return 0;
      }
    }

    private static String detail(ConfigObject o) {
      return switch (o.getType()) {
        case APPLICATION -> {
          var app = o.getApplication();
          yield app.getAppType() + " " + app.getHost() + ":" + app.getClientPort()
              + (app.getBackup().isEmpty() ? "" : " backup=" + app.getBackup());
        }
        case AGENT -> o.getAgent().getFirstName() + " " + o.getAgent().getLastName() + " (" + o.getAgent().getEmployeeId() + ")";
        case AGENT_GROUP -> o.getAgentGroup().getMembersCount() + " member(s)";
        case QUEUE -> "dn " + o.getQueue().getDn();
        default -> "";
      };
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one object, as YAML that `config apply` accepts.")
  static final class GetCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Mixin
    ObjectReference object;

    @Override
    public Integer call() {
      try (Endpoint endpoint = server.open(tls)) {
        ConfigObject found = ConfigServerOption.stub(endpoint)
            .getObject(GetObjectRequest.newBuilder().setType(object.type).setName(object.name).build());
        System.out.printf("# %s: dbid %d, version %d%n", object, found.getDbid(), found.getVersion());
        System.out.print(ConfigYaml.write(List.of(found)));
        return 0;
      }
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = "Create or replace the objects of a configuration file (YAML).")
  static final class ApplyCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Parameters(index = "0", paramLabel = "FILE.yaml")
    Path file;

    @Override
    public Integer call() throws IOException {
      List<ConfigObject> objects;
      try (Reader in = Files.newBufferedReader(file)) {
        objects = ConfigYaml.readToApply(in, file.toString());
      }
      try (Endpoint endpoint = server.open(tls)) {
        long begin = System.nanoTime();
        ConfigLoader.Totals totals = ConfigLoader.apply(ConfigServerOption.stub(endpoint).withDeadlineAfter(
            5, java.util.concurrent.TimeUnit.MINUTES), objects);
        System.out.printf("%s: %d created, %d updated, %d unchanged; head event %d (%d ms)%n", file, totals.created(),
            totals.updated(), totals.unchanged(), totals.headEventId(), (System.nanoTime() - begin) / 1_000_000);
        return 0;
      }
    }
  }

  @Command(name = "set-option", mixinStandardHelpOptions = true, description = "Set (or remove) one option of an Application.")
  static final class SetOptionCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Parameters(index = "0", paramLabel = "APP")
    String application;

    @Parameters(index = "1", paramLabel = "SECTION")
    String section;

    @Parameters(index = "2", paramLabel = "KEY")
    String key;

    @Parameters(index = "3", paramLabel = "VALUE", arity = "0..1", defaultValue = "")
    String value;

    @Option(names = "--remove", description = "Remove the option instead (VALUE is not needed).")
    boolean remove;

    @Override
    public Integer call() {
      if (!remove && value.isEmpty()) {
        System.err.println("tandem: VALUE is missing (or pass --remove)");
        return 2;
      }
      try (Endpoint endpoint = server.open(tls)) {
        WriteResult result = ConfigServerOption.stub(endpoint).setOption(SetOptionRequest.newBuilder()
            .setApplication(application).setSection(section).setKey(key).setValue(value).setRemove(remove).build());
        System.out.printf("%s [%s] %s %s; %s is at version %d, head event %d%n", application, section, key,
            remove ? "removed" : "= " + value, application, result.getObject().getVersion(), result.getEventId());
      }
      if (!remove && OptionCatalogue.knowsSection(section) && !OptionCatalogue.knows(section, key)) {
        // A typo would leave the default in force without a word: say so once it is set (a refusal says all).
        System.err.printf("tandem: warning: %s/%s is not an option Tandem knows%s; it was set all the same%n", section,
            key, OptionCatalogue.closest(section, key).map(k -> " (did you mean " + k + "?)").orElse(""));
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete one object.")
  static final class DeleteCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Mixin
    ObjectReference object;

    @Override
    public Integer call() {
      try (Endpoint endpoint = server.open(tls)) {
        WriteResult result = ConfigServerOption.stub(endpoint)
            .deleteObject(DeleteObjectRequest.newBuilder().setType(object.type).setName(object.name).build());
        System.out.printf("deleted %s; head event %d%n", object, result.getEventId());
        return 0;
      }
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "Show the history log (oldest retained event, head, limits) and the connected clients.")
  static final class HistoryCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Override
    public Integer call() {
      try (Endpoint endpoint = server.open(tls)) {
        print(ConfigServerOption.stub(endpoint).getHistoryInfo(GetHistoryInfoRequest.getDefaultInstance()));
        return 0;
      }
    }
  }

  @Command(name = "expire-history", mixinStandardHelpOptions = true,
      description = "Empty the history log now, as a restart that loses history would: every open session, and every client that resumes from an earlier position, gets HistoryLogExpired.")
  static final class ExpireHistoryCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Override
    public Integer call() {
      try (Endpoint endpoint = server.open(tls)) {
        HistoryInfo info = ConfigServerOption.stub(endpoint).expireHistory(ExpireHistoryRequest.getDefaultInstance());
        System.out.println("history log emptied at event " + info.getHeadEventId());
        print(info);
        return 0;
      }
    }
  }

  @Command(name = "drop-sessions", mixinStandardHelpOptions = true,
      description = "End every client's session (Watch stream), as a restart would; clients reconnect and try to restore.")
  static final class DropSessionsCommand implements Callable<Integer> {
    @Mixin
    ConfigServerOption server;

    @Mixin
    TlsFlags tls;

    @Override
    public Integer call() {
      try (Endpoint endpoint = server.open(tls)) {
        int dropped = ConfigServerOption.stub(endpoint).dropSessions(DropSessionsRequest.getDefaultInstance())
            .getSessionsDropped();
        System.out.println(dropped + " session(s) dropped");
        return 0;
      }
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = "Write a large contact center as a configuration file (for `config apply` and load tests).")
  static final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--agents", defaultValue = "100000", description = "Agents (default ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--groups", defaultValue = "1000", description = "Agent groups, agents spread evenly (default ${DEFAULT-VALUE}).")
    int groups;

    @Option(names = "--queues", defaultValue = "100", description = "Queues (default ${DEFAULT-VALUE}).")
    int queues;

    @Option(names = "--full-groups", defaultValue = "0",
        description = "Groups that each hold every agent: the largest objects (default ${DEFAULT-VALUE}).")
    int fullGroups;

    @Option(names = "--out", description = "File to write (default: standard output).")
    Path out;

    @Override
    public Integer call() throws IOException {
      String yaml = ConfigYaml.write(ContactCenterGenerator.generate(agents, groups, queues, fullGroups));
      if (out == null) {
        System.out.print(yaml);
      } else {
        try (Writer writer = Files.newBufferedWriter(out)) {
          writer.write(yaml);
        }
        System.out.printf("wrote %s: %d agents, %d groups (%d of them with every agent), %d queues%n", out, agents,
            groups + fullGroups, fullGroups, queues);
      }
      return 0;
    }
  }

  static void print(HistoryInfo info) {
    System.out.printf("oldest retained event  %d%n", info.getOldestRetainedEventId());
    System.out.printf("head event             %d%n", info.getHeadEventId());
    System.out.printf("records                %d (max-records %d, expiration %s)%n", info.getRecords(),
        info.getMaxRecords(), Durations.render(Duration.ofMillis(info.getExpirationMs())));
    System.out.printf("objects                %d%n", info.getObjects());
    System.out.printf("clients connected      %d%n", info.getClientsCount());
    for (ClientSession client : info.getClientsList()) {
      System.out.printf("  %-20s %-22s position %-8d since %s%n", client.getClientName(), client.getPeer(),
          client.getPosition(), Timestamps.toString(client.getConnectedAt()));
    }
  }
}
