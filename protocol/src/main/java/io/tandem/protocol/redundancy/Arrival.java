package io.tandem.protocol.redundancy;

import io.tandem.management.v1.Mode;

/**
 * An application opened a supervision stream: what its hello said.
 *
 * @param application who it says it is
 * @param session the stream's id (chosen by the plumbing, unique)
 * @param instanceId random id of its process start
 * @param clientAddress where its client port listens ("" if not given)
 * @param peer the stream's remote address, for refusals and logs
 * @param claimedMode the mode it already runs in (after a Management Layer restart), or MODE_UNSPECIFIED
 * @param claimedEpoch the epoch of the last mode command it obeyed (0: none)
 */
public record Arrival(String application, long session, String instanceId, String clientAddress, String peer,
    Mode claimedMode, long claimedEpoch) {}
