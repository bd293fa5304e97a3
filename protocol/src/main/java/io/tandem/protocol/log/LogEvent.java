package io.tandem.protocol.log;

/**
 * The catalogue of log events with stable ids, in the original product's style
 * ({@code Std 02-10086 Protected mode of configuration reload started}).
 *
 * <p>Prefixes: {@code 00} every service, {@code 21} Config Server, {@code 43} Management Layer,
 * {@code 02} Stat Server. Ids are never reused or renumbered; docs/log-events.md lists every one.
 */
public enum LogEvent {
  // ---- every service --------------------------------------------------------------------
  SERVICE_STARTING("00-05060", Level.STD, "Service starting"),
  SERVICE_LISTENING("00-05061", Level.STD, "Service listening"),
  SERVICE_STOPPING("00-05063", Level.STD, "Service stopping"),
  SERVICE_STOPPED("00-05064", Level.STD, "Service stopped"),
  SERVICE_START_FAILED("00-05065", Level.ALR, "Service failed to start"),
  HEALTH_CHANGED("00-05066", Level.STD, "Health status changed"),
  OPTION_INVALID("00-05070", Level.ALR, "Option value invalid, default used"),
  OPTION_IN_EFFECT("00-05071", Level.STD, "Option value in effect"),
  OPTION_UNKNOWN("00-05072", Level.ALR, "Unknown option key, ignored"),
  SERVICE_FATAL("00-05067", Level.ALR, "Service stopping: it cannot go on"),
  ACCESS_DENIED("00-05073", Level.ALR, "Call refused: caller not authorised"),
  PLAINTEXT("00-05074", Level.ALR, "Running without TLS (--insecure): callers are neither authenticated nor authorised"),
  CONNECTION_LIMIT("00-05075", Level.STD, "Call refused: connection limit reached"),
  EVENTS_SUPPRESSED("00-05076", Level.STD, "Log events suppressed by the rate limit"),
  CREDENTIALS_RELOADED("00-05077", Level.STD, "TLS certificate files re-read"),
  CREDENTIALS_UNUSABLE("00-05078", Level.ALR, "TLS certificate files changed but unusable, previous ones kept"),
  EXECUTOR_STOP_FORCED("00-05079", Level.ALR, "A thread did not stop within its grace period: interrupted"),
  METRICS_LISTENING("00-05080", Level.STD, "Metrics port listening"),
  SERVER_IDENTITY_REFUSED("00-05081", Level.ALR, "Server refused: its certificate is not the identity expected"),
  SCHEDULED_TASK_FAILED("00-05082", Level.ALR, "A scheduled task failed; a repeating one runs again at its next time"),
  CONFIG_REPLICA_CHANGED("00-05083", Level.STD, "Config Server replica left for the next in the list"),
  MANAGEMENT_LAYER_CHANGED("00-05084", Level.STD, "Management Layer left for the next in the list"),

  // ---- Config Server ----------------------------------------------------------------------
  JOURNAL_RECOVERED("21-20001", Level.STD, "Journal recovered"),
  JOURNAL_TORN_RECORD_DROPPED("21-20002", Level.ALR, "Torn journal record dropped"),
  BOOTSTRAP_LOADED("21-20003", Level.STD, "Bootstrap configuration loaded"),
  CLIENT_CONNECTED("21-20010", Level.STD, "Client connected"),
  CLIENT_DISCONNECTED("21-20011", Level.STD, "Client disconnected"),
  SESSION_RESTORED_FOR_CLIENT("21-20012", Level.STD, "Client session restored"),
  HISTORY_EXPIRED_SENT("21-20013", Level.STD, "HistoryLogExpired sent"),
  HISTORY_PURGED("21-20014", Level.STD, "History log records purged"),
  HISTORY_RESET("21-20015", Level.STD, "History log emptied"),
  SESSIONS_DROPPED("21-20016", Level.STD, "Client sessions dropped"),
  SNAPSHOT_SERVED("21-20017", Level.STD, "Snapshot served"),
  OBJECTS_APPLIED("21-20018", Level.STD, "Objects applied"),
  JOURNAL_CHECKPOINT_WRITTEN("21-20019", Level.STD, "Journal checkpoint written"),
  JOURNAL_CHECKPOINT_FAILED("21-20020", Level.ALR, "Journal checkpoint failed"),
  JOURNAL_CHECKPOINT_LOADED("21-20021", Level.STD, "Journal checkpoint loaded"),
  STORAGE_FAILED("21-20022", Level.ALR, "A change could not be made durable: writes refused"),
  STORED_OBJECT_NONCONFORMING("21-20023", Level.ALR, "Stored object breaks today's limits or rules"),
  STORED_OBJECT_CONFORMING("21-20024", Level.STD, "Stored object within today's limits and rules again"),
  ETCD_STORE_OPENED("21-20030", Level.STD, "Store loaded from etcd"),
  ETCD_UNREACHABLE("21-20031", Level.ALR, "etcd did not commit a change: writes refused until it does"),
  ETCD_REACHABLE("21-20032", Level.STD, "etcd commits changes again"),
  ETCD_LEADER_CHANGED("21-20033", Level.STD, "etcd elected a new leader"),
  ETCD_FOLLOW_LOST("21-20034", Level.ALR, "Following the etcd log interrupted: serving what this Config Server holds"),
  ETCD_FOLLOW_RESUMED("21-20035", Level.STD, "Following the etcd log again"),
  ETCD_FOLLOW_RELISTED("21-20036", Level.STD, "etcd log read again from its checkpoint after a compaction"),
  ETCD_CHECKPOINT_WRITTEN("21-20037", Level.STD, "Checkpoint written to etcd"),
  ETCD_CHECKPOINT_FAILED("21-20038", Level.ALR, "Checkpoint to etcd failed"),

  // ---- Management Layer ------------------------------------------------------------------
  APPLICATION_CONNECTED("43-30001", Level.STD, "Application connected"),
  APPLICATION_LOST("43-30002", Level.STD, "Application connection lost"),
  MODE_ASSIGNED("43-30003", Level.STD, "Mode assigned"),
  MODE_ACKNOWLEDGED("43-30004", Level.STD, "Mode acknowledged"),
  STATUS_REPORTED("43-30005", Level.STD, "Application status reported"),
  PAIRS_CONFIGURED("43-30006", Level.STD, "Redundant pairs configured"),
  APPLICATION_REFUSED("43-30007", Level.STD, "Application refused"),
  SWITCHOVER_REQUESTED("43-30010", Level.STD, "Switchover requested"),
  SWITCHOVER_DONE("43-30011", Level.STD, "Switchover done"),
  SWITCHOVER_REFUSED("43-30012", Level.STD, "Switchover refused"),
  SWITCHOVER_DEFERRED("43-30013", Level.STD, "Switchover deferred until the backup is RUNNING"),
  FAILOVER("43-30014", Level.ALR, "Failover: primary lost, backup promoted"),
  FLAPPING("43-30015", Level.ALR, "Pair is flapping"),
  APPLICATION_HUNG("43-30016", Level.ALR, "Application hung: no heartbeat"),
  HEARTBEATS_RESUMED("43-30017", Level.STD, "Heartbeats resumed"),
  SESSION_REPLACED("43-30018", Level.STD, "Supervision stream replaced"),
  MODE_WITHHELD("43-30019", Level.STD, "Mode withheld: the peer may still be primary"),
  PAIR_WATCHER_DROPPED("43-30020", Level.STD, "Pair watcher dropped: it did not read"),
  NEWCOMER_WAITS("43-30021", Level.STD, "Another instance waits: the one before it may return"),
  EPOCH_LEDGER_OPENED("43-30022", Level.STD, "Epoch ledger opened: epochs start above its highest"),
  COMMAND_WITHHELD("43-30023", Level.ALR, "Command withheld: its epoch could not be recorded, or not in time"),
  LEADER_ELECTED("43-30024", Level.STD, "This Management Layer leads"),
  LEADER_STEPPED_DOWN("43-30025", Level.ALR, "This Management Layer stepped down: it stands by"),
  PAIR_STATE_READ("43-30026", Level.STD, "Pair state read from etcd: the new leader continues from it"),
  PAIR_STATE_UNAVAILABLE("43-30027", Level.STD, "Pair state not written to etcd, or not read"),
  CAMPAIGN_PAUSED("43-30028", Level.ALR, "Campaigns paused: elected again, the epochs could not be read again"),

  // ---- Stat Server -----------------------------------------------------------------------
  NORMAL_RELOAD_STARTED("02-10084", Level.STD, "Normal mode of configuration reload started"),
  NORMAL_RELOAD_FINISHED("02-10085", Level.STD, "Normal mode of configuration reload finished"),
  PROTECTED_MODE_STARTED("02-10086", Level.STD, "Protected mode of configuration reload started"),
  PROTECTED_MODE_ENDED("02-10087", Level.STD, "Protected mode of configuration reload ended"),
  CONFIG_SESSION_RESTORED("02-10088", Level.STD, "Configuration session restored"),
  HISTORY_EXPIRED_RECEIVED("02-10089", Level.STD, "HistoryLogExpired received from Configuration Server"),
  CONFIG_CONNECTION_LOST("02-10090", Level.STD, "Connection to Configuration Server lost"),
  CONFIG_LOADED("02-10091", Level.STD, "Initial configuration loaded"),
  BACKUP_PROBE_FAILED("02-10092", Level.STD, "Backup not ready to accept clients"),
  BACKUP_READY("02-10093", Level.STD, "Backup ready to accept clients"),
  SERVICE_UNAVAILABLE_SENT("02-10094", Level.STD, "SERVICE_UNAVAILABLE sent to Management Layer"),
  STATUS_DELIVERED("02-10095", Level.STD, "Status delivered to Management Layer"),
  MODE_CHANGED("02-10096", Level.STD, "Mode changed"),
  CONFIG_SNAPSHOT_READ("02-10107", Level.STD, "Configuration snapshot read and swapped in"),
  PROTECTED_MODE_LIMIT("02-10097", Level.ALR, "Protected mode lasted protected-mode-max-duration, reloading anyway"),
  CONFIG_RELOAD_FAILED("02-10098", Level.ALR, "Configuration reload failed"),
  MANAGEMENT_CONNECTION_LOST("02-10099", Level.STD, "Connection to Management Layer lost"),
  UNKNOWN_OBJECT_EVENTS("02-10100", Level.STD, "Events for unknown objects"),
  STATISTIC_REFUSED("02-10101", Level.STD, "Statistic request refused"),
  STATISTIC_CLOSED("02-10102", Level.STD, "Statistic closed"),
  EVENTS_QUEUED_DURING_RELOAD("02-10103", Level.STD, "Events queued during reload applied"),
  STALE_MODE_COMMAND_REFUSED("02-10104", Level.STD, "Mode command with a stale epoch refused"),
  SUPERVISION_REFUSED("02-10105", Level.ALR, "Refused by the Management Layer"),
  GAVE_WAY("02-10106", Level.STD, "Both members primary in protected mode: this one gives way"),
  FEED_PRODUCER_RESUMED("02-10108", Level.STD, "Feed from a producer this server does not remember, resumed past sequence 1"),
  FEED_PRODUCER_REFUSED("02-10109", Level.ALR, "Feed from a new producer refused: the most producers are remembered"),
  FEED_SEQUENCE_GAP("02-10110", Level.ALR, "Feed batch beyond its producer's next sequence refused");

  /** The original product's levels; each maps to an SLF4J level. */
  public enum Level {
    STD("Std"),
    ALR("Alr");

    private final String label;

    Level(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final String id;
  private final Level level;
  private final String text;

  LogEvent(String id, Level level, String text) {
    this.id = id;
    this.level = level;
    this.text = text;
  }

  public String id() {
    return id;
  }

  public Level level() {
    return level;
  }

  public String text() {
    return text;
  }
}
