package io.tandem.client;

import io.tandem.protocol.link.HostPort;

/**
 * How a client's GetStatistic attempts went to one member of the pair, counted since the client
 * started: attempts it was the call's first choice for ({@code firstChoice}, a call's retry rounds
 * included), attempts it got as the hedge of a call slow elsewhere ({@code hedges}), and attempts
 * it left unanswered until their deadline ({@code unanswered}: the attempt's own, or a caller's
 * shorter one). A member that froze shows as unanswered attempts that stop growing once the client
 * has it marked suspect.
 */
public record MemberCalls(HostPort member, long firstChoice, long hedges, long unanswered) {}
