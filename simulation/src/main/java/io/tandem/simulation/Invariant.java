package io.tandem.simulation;

/** The properties every step of every run must keep, by the names failing runs print. */
enum Invariant {
  /** Never two processes (members, or two processes of one member) acknowledging PRIMARY under the same epoch. */
  ONE_PRIMARY_PER_EPOCH("one-primary-per-epoch"),
  /** A process never obeys an epoch older than one it obeyed. */
  EPOCHS_NEVER_GO_BACK("epochs-never-go-back"),
  /**
   * The pair is never dark (no member serving) for longer than a failover takes while a member
   * could serve: no primary the Management Layer can reach is in charge (it crashed, froze or was
   * cut off), and a member is up with a configuration the Management Layer can reach. (A primary
   * reloading in normal mode is in charge: the pair is dark then by configuration — unless
   * {@code serve-during-reload} is on: then a member with a mode that reloads could serve the
   * configuration in hand, and the pair must not be dark for a moment while one does.)
   */
  NEVER_DARK_WHILE_ONE_COULD_SERVE("never-dark-while-one-could-serve"),
  /**
   * A reload protected mode covers never leaves the pair dark, unless a fault struck since that
   * cover began: the reload of a member that handed over from protected mode (it found its backup
   * ready and was switched to backup), and any reload of a primary whose options call for
   * protected mode.
   */
  PROTECTED_RELOAD_NEVER_DARK("protected-reload-never-dark"),
  /** A member in protected mode always has a way out: two protected primaries never wait on each other. */
  PROTECTED_MODE_HAS_A_WAY_OUT("protected-mode-has-a-way-out"),
  /**
   * A Management Layer among several sends a mode command only while etcd holds its leader key
   * under a lease that has not expired: a leader frozen or cut from etcd stops commanding by its
   * own deadline, before another can be elected.
   */
  COMMANDS_ONLY_UNDER_A_LIVE_LEASE("commands-only-under-a-live-lease"),
  /**
   * Among Management Layers over etcd, one leads and is ready within two leases and three seconds
   * of one being able to: up, configured, reaching a live etcd on a link neither cut nor slowed,
   * and allowed to read the epoch key. One that cannot read the epochs hands back every leadership
   * it wins: while another could lead, it wins at most two in a row.
   */
  A_LEADER_ONCE_ONE_CAN_LEAD("a-leader-once-one-can-lead"),
  /** A member applies every change once, in order: none skipped, none twice. */
  CHANGES_APPLIED_EXACTLY_ONCE("changes-applied-exactly-once"),
  /** Once faults stop, every member reloads to the Config Server's head, with one primary serving. */
  RELOADS_TO_HEAD("reloads-to-head"),
  /**
   * Config Servers over one shared log: its event ids are gap-free and never given twice, and
   * every Config Server holds exactly the log's events under the same ids.
   */
  IDENTICAL_EVENT_IDS_EVERYWHERE("identical-event-ids-everywhere"),
  /** Every write a Config Server acknowledged is in the shared log once, under the id acknowledged. */
  ACKNOWLEDGED_CHANGES_APPLIED_ONCE("acknowledged-changes-applied-once");

  final String id;

  Invariant(String id) {
    this.id = id;
  }
}
