package io.tandem.configserver.store;

/**
 * The monitor the store holds around every change, shared with its {@link ChangeLog}: the log
 * takes it for work done off the store's threads (a checkpoint's last step, a change another
 * Config Server committed) and waits on it, releasing it, while etcd does not answer.
 */
public final class StoreLock {}
