package io.tandem.statserver.stats;

import static io.tandem.statserver.stats.ConfigObjects.agent;
import static io.tandem.statserver.stats.ConfigObjects.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.statserver.model.ConfigModel;
import org.junit.jupiter.api.Test;

/** Requests refused name the field at fault and the right status; good ones pass. */
class StatisticRequestsTest {
  private final ConfigModel model = model(agent("ann"));

  private static StatObject object(ObjectType type, String name) {
    return StatObject.newBuilder().setType(type).setName(name).build();
  }

  private static void refused(Runnable request, Status.Code code, String message) {
    assertThatThrownBy(request::run).isInstanceOfSatisfying(StatisticRefusedException.class, e -> {
      assertThat(e.status().getCode()).isEqualTo(code);
      assertThat(e.status().getDescription()).isEqualTo(message);
    });
  }

  @Test
  void objectsAndStatisticsAreCheckedAgainstTheModel() {
    assertThat(StatisticRequests.check(object(ObjectType.AGENT, "ann"), StatisticType.CURRENT_AGENT_STATE, model))
        .isEqualTo(new StatKey(ObjectType.AGENT, "ann"));
    refused(() -> StatisticRequests.check(object(ObjectType.AGENT, "zed"), StatisticType.CURRENT_AGENT_STATE, model),
        Status.Code.NOT_FOUND, "object: no Agent 'zed' in the configuration");
    refused(() -> StatisticRequests.check(object(ObjectType.AGENT, "ann"), StatisticType.CURRENT_WAITING_CALLS, model),
        Status.Code.INVALID_ARGUMENT, "statistic: CURRENT_WAITING_CALLS does not apply to Agent (Queue only)");
    refused(() -> StatisticRequests.check(object(ObjectType.APPLICATION, "ann"), StatisticType.CURRENT_AGENT_STATE,
        model), Status.Code.INVALID_ARGUMENT, "object.type: statistics are about an AGENT, AGENT_GROUP or QUEUE, not APPLICATION");
    refused(() -> StatisticRequests.check(object(ObjectType.AGENT, "ann"), StatisticType.STATISTIC_TYPE_UNSPECIFIED,
        model), Status.Code.INVALID_ARGUMENT, "statistic: unknown statistic type STATISTIC_TYPE_UNSPECIFIED");
  }

  @Test
  void notificationsDefaultToImmediateAndPeriodicOnesNeedAPeriod() {
    assertThat(StatisticRequests.notifying(Notification.getDefaultInstance()).mode()).isEqualTo(NotificationMode.IMMEDIATE);
    assertThat(StatisticRequests.notifying(Notification.newBuilder().setMode(NotificationMode.RESET).setPeriodSeconds(3)
        .build()).periodMs()).isEqualTo(3000);
    refused(() -> StatisticRequests.notifying(Notification.newBuilder().setMode(NotificationMode.PERIODICAL).build()),
        Status.Code.INVALID_ARGUMENT, "notification.period_seconds: PERIODICAL needs a period of at least 1 second");
    refused(() -> StatisticRequests.notifying(Notification.newBuilder().setInsensitivity(-1).build()),
        Status.Code.INVALID_ARGUMENT, "notification.insensitivity: -1.0 is negative");
  }

  /** A NaN insensitivity compares false with every change: the statistic would never send a value again. */
  @Test
  void anInsensitivityThatIsNoFiniteNumberIsRefused() {
    refused(() -> StatisticRequests.notifying(Notification.newBuilder().setInsensitivity(Double.NaN).build()),
        Status.Code.INVALID_ARGUMENT, "notification.insensitivity: NaN is not a finite number");
    refused(() -> StatisticRequests.notifying(Notification.newBuilder().setInsensitivity(Double.POSITIVE_INFINITY)
        .build()), Status.Code.INVALID_ARGUMENT, "notification.insensitivity: Infinity is not a finite number");
  }
}
