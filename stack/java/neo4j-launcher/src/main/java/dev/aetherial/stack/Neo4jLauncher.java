package dev.aetherial.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Embedded Neo4j Community for the local stack: one DBMS with Bolt on loopback, no HTTP, no auth.
 *
 * <pre>
 * java -Xmx512m -cp neo4j-launcher.jar:&lt;classpath&gt; dev.aetherial.stack.Neo4jLauncher HOME_DIR [BOLT_PORT]
 * </pre>
 *
 * HOME_DIR may also come from {@code -Dneo4j.home}, BOLT_PORT from {@code -Dneo4j.bolt.port} (default 7687).
 * Other knobs: {@code -Dneo4j.bolt.host} (127.0.0.1), {@code -Dneo4j.pagecache} (64m).
 * Runs in the foreground; SIGTERM/SIGINT shut the DBMS down cleanly.
 */
public final class Neo4jLauncher {
    private Neo4jLauncher() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // Exit even when the half-started server left non-daemon threads behind.
            System.err.println("[neo4j-launcher] failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        String home = args.length > 0 ? args[0] : System.getProperty("neo4j.home");
        if (home == null || home.isBlank()) {
            System.err.println("usage: Neo4jLauncher HOME_DIR [BOLT_PORT]  (or -Dneo4j.home=DIR -Dneo4j.bolt.port=PORT)");
            System.exit(2);
        }
        int port = Integer.parseInt(args.length > 1 ? args[1] : System.getProperty("neo4j.bolt.port", "7687"));
        String host = System.getProperty("neo4j.bolt.host", "127.0.0.1");
        long pageCache = ByteUnit.parse(System.getProperty("neo4j.pagecache", "64m"));

        Path homeDir = Path.of(home).toAbsolutePath();
        Files.createDirectories(homeDir);
        long started = System.nanoTime();

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(homeDir)
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                // Development data: keep transaction logs short and don't preallocate them.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // Bolt otherwise waits 5 s twice on shutdown for idle workers and connections.
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[neo4j-launcher] shutting down");
            try {
                dbms.shutdown();
            } catch (RuntimeException e) {
                System.err.println("[neo4j-launcher] shutdown failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        // Touch the default database so "started" means it is open for queries.
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("[neo4j-launcher] Neo4j started: bolt://%s:%d (home %s, page cache %d MiB) in %d ms%n",
                host, port, homeDir, pageCache / (1024 * 1024), ms);
        System.out.flush();
        stopped.await();
    }
}
