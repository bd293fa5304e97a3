package io.tandem.statserver.stats;

import io.tandem.stat.v1.ProducerProgress;
import java.util.List;

/**
 * What GetServerInfo and the metrics report of the producers this server remembers: bounded,
 * whatever their number.
 *
 * @param mostRecent the most recently active producers (at most {@link ProducerLedger#LISTED}), by producer id
 * @param remembered how many producers are remembered now
 * @param forgottenIdle producers forgotten since the server started because they were idle for {@link ProducerLedger#IDLE_TTL}
 * @param refused batches of new producers refused because {@link ProducerLedger#CAP} others were remembered
 */
public record ProducerSummary(List<ProducerProgress> mostRecent, int remembered, long forgottenIdle, long refused) {}
