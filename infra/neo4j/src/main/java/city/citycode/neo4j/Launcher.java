package city.citycode.neo4j;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * Runs Neo4j 5.26 Community embedded, with Bolt on a loopback address, until SIGTERM.
 *
 * <p>Configuration comes from the environment (see infra/lib.sh for the development defaults):
 * NEO4J_HOME_DIR, NEO4J_BOLT_HOST, NEO4J_BOLT_PORT, NEO4J_PASSWORD, NEO4J_PAGECACHE_MB.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws InterruptedException {
    Path home = Path.of(env("NEO4J_HOME_DIR", ".data/neo4j")).toAbsolutePath();
    String host = env("NEO4J_BOLT_HOST", "127.0.0.1");
    int port = Integer.parseInt(env("NEO4J_BOLT_PORT", "7687"));
    String password = env("NEO4J_PASSWORD", null);
    if (password == null || password.length() < 8) {
      System.err.println("NEO4J_PASSWORD must be set (at least 8 characters)");
      System.exit(2);
    }
    long pageCacheMb = Long.parseLong(env("NEO4J_PAGECACHE_MB", "512"));

    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(home)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
            .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
            .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
            .setConfig(GraphDatabaseSettings.auth_enabled, true)
            .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
            .build();

    setPassword(dbms, password);

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("citycode-neo4j: shutting down");
                  dbms.shutdown();
                  stopped.countDown();
                },
                "citycode-neo4j-shutdown"));
    System.out.println("citycode-neo4j: ready, bolt://" + host + ":" + port);
    stopped.await();
  }

  /**
   * The default user 'neo4j' gets the configured password, with no forced change. On a restart of
   * an existing database the password is usually already that one, which Neo4j refuses to "change";
   * that refusal is the expected case, not a failure (before, it killed the main thread before the
   * ready line, and the start script waited 120 s for a database that was in fact up).
   */
  private static void setPassword(DatabaseManagementService dbms, String password) {
    try {
      dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
          .executeTransactionally(
              "ALTER USER neo4j SET PLAINTEXT PASSWORD $password CHANGE NOT REQUIRED",
              Map.of("password", password));
    } catch (QueryExecutionException e) {
      if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
        throw e;
      }
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
