package io.tandem.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.tandem.config.v1.ConfigServiceProto;
import io.tandem.management.v1.ManagementServiceProto;
import io.tandem.stat.v1.StatServiceProto;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Guards the wire contracts clients depend on: the versioned service names and the streaming
 * shape of every method. Changing one is a breaking change and needs a new package version.
 */
class ContractsTest {
  private static Map<String, String> shapes(ServiceDescriptor service) {
    Map<String, String> shapes = new TreeMap<>();
    for (MethodDescriptor method : service.getMethods()) {
      String shape = (method.isClientStreaming() ? "stream " : "") + method.getInputType().getName()
          + " -> " + (method.isServerStreaming() ? "stream " : "") + method.getOutputType().getName();
      shapes.put(method.getName(), shape);
    }
    return shapes;
  }

  @Test
  void configService() {
    ServiceDescriptor service = ConfigServiceProto.getDescriptor().findServiceByName("ConfigService");
    assertThat(service.getFullName()).isEqualTo("tandem.config.v1.ConfigService");
    assertThat(shapes(service)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("GetObject", "GetObjectRequest -> ConfigObject"),
        Map.entry("ListObjects", "ListObjectsRequest -> stream ObjectBatch"),
        Map.entry("Watch", "WatchRequest -> stream WatchResponse"),
        Map.entry("CreateObject", "CreateObjectRequest -> WriteResult"),
        Map.entry("UpdateObject", "UpdateObjectRequest -> WriteResult"),
        Map.entry("DeleteObject", "DeleteObjectRequest -> WriteResult"),
        Map.entry("SetOption", "SetOptionRequest -> WriteResult"),
        Map.entry("ApplyObjects", "ApplyObjectsRequest -> ApplyObjectsResult"),
        Map.entry("GetHistoryInfo", "GetHistoryInfoRequest -> HistoryInfo"),
        Map.entry("ExpireHistory", "ExpireHistoryRequest -> HistoryInfo"),
        Map.entry("DropSessions", "DropSessionsRequest -> DropSessionsResult")));
  }

  @Test
  void managementService() {
    ServiceDescriptor service = ManagementServiceProto.getDescriptor().findServiceByName("ManagementService");
    assertThat(service.getFullName()).isEqualTo("tandem.management.v1.ManagementService");
    assertThat(shapes(service)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "Supervise", "stream SupervisionMessage -> stream SupervisionCommand",
        "Switchover", "SwitchoverRequest -> SwitchoverReply",
        "GetPairs", "GetPairsRequest -> PairsStatus",
        "WatchPairs", "GetPairsRequest -> stream PairsStatus"));
  }

  @Test
  void statService() {
    ServiceDescriptor service = StatServiceProto.getDescriptor().findServiceByName("StatService");
    assertThat(service.getFullName()).isEqualTo("tandem.stat.v1.StatService");
    assertThat(shapes(service)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "Feed", "stream EventBatch -> stream FeedProgress",
        "OpenStatistic", "OpenStatisticRequest -> stream StatisticValue",
        "GetStatistic", "GetStatisticRequest -> StatisticValue",
        "CloseStatistic", "CloseStatisticRequest -> CloseStatisticReply",
        "GetServerInfo", "GetServerInfoRequest -> ServerInfo"));
  }

  @Test
  void everyEnumStartsWithAnUnspecifiedZero() {
    for (var file : new com.google.protobuf.Descriptors.FileDescriptor[] {
        ConfigServiceProto.getDescriptor(), ManagementServiceProto.getDescriptor(), StatServiceProto.getDescriptor()}) {
      for (var enumType : file.getEnumTypes()) {
        assertThat(enumType.findValueByNumber(0).getName()).as(enumType.getFullName()).endsWith("_UNSPECIFIED");
      }
    }
  }
}
