// Readiness probe for the test broker: an open port is not enough (the broker accepts connections
// before its metadata is loaded), so this asks for cluster metadata the way a client would.
// Compiled once by infra/services/kafka.sh against the broker's own kafka-clients jar.
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;

public class KafkaReady {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    try (Admin admin = Admin.create(props)) {
      DescribeClusterResult cluster = admin.describeCluster();
      int brokers = cluster.nodes().get(5, TimeUnit.SECONDS).size();
      String id = cluster.clusterId().get(5, TimeUnit.SECONDS);
      int topics = admin.listTopics().names().get(5, TimeUnit.SECONDS).size();
      System.out.println("cluster " + id + ", " + brokers + " broker(s), " + topics + " topic(s)");
      System.exit(brokers > 0 ? 0 : 1);
    }
  }
}
