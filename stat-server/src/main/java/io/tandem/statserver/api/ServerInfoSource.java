package io.tandem.statserver.api;

import io.tandem.stat.v1.ServerInfo;

/** What GetServerInfo answers: a snapshot published by the reload logic, read without waiting. */
public interface ServerInfoSource {
  ServerInfo serverInfo();
}
