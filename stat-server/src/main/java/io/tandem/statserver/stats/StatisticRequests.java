package io.tandem.statserver.stats;

import io.grpc.Status;
import io.tandem.common.config.ObjectTypes;
import io.tandem.config.v1.ObjectType;
import io.tandem.stat.v1.Notification;
import io.tandem.stat.v1.NotificationMode;
import io.tandem.stat.v1.StatObject;
import io.tandem.stat.v1.StatisticType;
import io.tandem.statserver.model.ConfigModel;

/**
 * Whether a statistic asked for makes sense against the configuration in use. Pure; every
 * refusal is a {@link StatisticRefusedException} whose message names the field at fault.
 */
final class StatisticRequests {
  private StatisticRequests() {}

  /** How an open statistic notifies, checked. */
  record Notifying(NotificationMode mode, double insensitivity, long periodMs) {
    boolean periodic() {
      return mode == NotificationMode.PERIODICAL || mode == NotificationMode.RESET;
    }
  }

  /**
   * The object {@code type} is asked of.
   *
   * @throws StatisticRefusedException INVALID_ARGUMENT for an object type or statistic that does
   *     not apply, NOT_FOUND for an object the configuration does not have
   */
  static StatKey check(StatObject object, StatisticType type, ConfigModel model) {
    ObjectType objectType = object.getType();
    if (!StatisticValues.counted(objectType)) {
      throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
          "object.type: statistics are about an AGENT, AGENT_GROUP or QUEUE, not " + objectType);
    }
    boolean applies = switch (type) {
      case CURRENT_AGENT_STATE -> objectType == ObjectType.AGENT;
      case CURRENT_READY_AGENTS -> objectType == ObjectType.AGENT_GROUP;
      case CURRENT_WAITING_CALLS -> objectType == ObjectType.QUEUE;
      case TOTAL_CALLS_ANSWERED, AVERAGE_HANDLE_TIME -> objectType == ObjectType.AGENT
          || objectType == ObjectType.AGENT_GROUP;
      default -> throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
          "statistic: unknown statistic type " + type);
    };
    if (!applies) {
      throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT, "statistic: " + type + " does not apply to "
          + ObjectTypes.displayName(objectType) + " (" + appliesTo(type) + ")");
    }
    if (!model.contains(objectType, object.getName())) {
      throw new StatisticRefusedException(Status.Code.NOT_FOUND,
          "object: " + ConfigModel.missing(objectType, object.getName()));
    }
    return new StatKey(objectType, object.getName());
  }

  /**
   * The notification asked for ({@code IMMEDIATE} when unspecified).
   *
   * @throws StatisticRefusedException INVALID_ARGUMENT for an insensitivity that is negative or no
   *     finite number (a NaN compares false with every change, so no value would ever be sent), or a periodic
   *     mode without a period of at least a second
   */
  static Notifying notifying(Notification notification) {
    NotificationMode mode = notification.getMode() == NotificationMode.NOTIFICATION_MODE_UNSPECIFIED
        ? NotificationMode.IMMEDIATE : notification.getMode();
    double insensitivity = notification.getInsensitivity();
    if (!Double.isFinite(insensitivity) || insensitivity < 0) {
      throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT, "notification.insensitivity: " + insensitivity
          + (insensitivity < 0 ? " is negative" : " is not a finite number"));
    }
    Notifying notifying = new Notifying(mode, notification.getInsensitivity(), notification.getPeriodSeconds() * 1000L);
    if (notifying.periodic() && notification.getPeriodSeconds() < 1) {
      throw new StatisticRefusedException(Status.Code.INVALID_ARGUMENT,
          "notification.period_seconds: " + mode + " needs a period of at least 1 second");
    }
    return notifying;
  }

  /** "AgentGroup 'Sales'", for log lines. */
  static String describe(StatObject object) {
    return ObjectTypes.displayName(object.getType()) + " '" + object.getName() + "'";
  }

  private static String appliesTo(StatisticType type) {
    return switch (type) {
      case CURRENT_AGENT_STATE -> "Agent only";
      case CURRENT_READY_AGENTS -> "AgentGroup only";
      case CURRENT_WAITING_CALLS -> "Queue only";
      default -> "Agent or AgentGroup";
    };
  }
}
