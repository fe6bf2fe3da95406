package dev.aetherial.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.painless.PainlessPlugin;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for the local stack, assembled from Maven Central jars: the server plus the
 * modules a distribution ships that our search subgraph needs (Netty HTTP/transport, analysis-common,
 * painless, mapper-extras, reindex), loaded as classpath plugins.
 *
 * <pre>
 * java -Xms512m -Xmx512m -Dopensearch.set.netty.runtime.available.processors=false \
 *   -cp opensearch-launcher.jar:&lt;classpath&gt; dev.aetherial.stack.OpenSearchLauncher HOME_DIR [HTTP_PORT] [TRANSPORT_PORT]
 * </pre>
 *
 * Defaults: HTTP 9200, transport 9300, host {@code -Dopensearch.host} (127.0.0.1). Data, logs and config
 * live under HOME_DIR. Runs in the foreground; SIGTERM/SIGINT close the node cleanly.
 */
public final class OpenSearchLauncher {
    private static final String NODE_NAME = "aetherial-search";

    private static final Collection<Class<? extends Plugin>> PLUGINS = List.of(
            Netty4Plugin.class,
            CommonAnalysisPlugin.class,
            PainlessPlugin.class,
            MapperExtrasPlugin.class,
            ReindexPlugin.class);

    /** Node's constructor that accepts classpath plugins is protected. */
    private static final class LauncherNode extends Node {
        LauncherNode(Environment environment) {
            super(environment, PLUGINS, true);
        }
    }

    private OpenSearchLauncher() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // Exit even when the half-started server left non-daemon threads behind.
            System.err.println("[opensearch-launcher] failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        // Netty4Plugin sets the processor count itself; a second setter (Netty's default) would fail the node.
        if (System.getProperty("opensearch.set.netty.runtime.available.processors") == null) {
            System.setProperty("opensearch.set.netty.runtime.available.processors", "false");
        }
        String homeArg = args.length > 0 ? args[0] : System.getProperty("opensearch.home");
        if (homeArg == null || homeArg.isBlank()) {
            System.err.println("usage: OpenSearchLauncher HOME_DIR [HTTP_PORT] [TRANSPORT_PORT]");
            System.exit(2);
        }
        int httpPort = Integer.parseInt(args.length > 1 ? args[1] : System.getProperty("opensearch.http.port", "9200"));
        int transportPort = Integer.parseInt(
                args.length > 2 ? args[2] : System.getProperty("opensearch.transport.port", "9300"));
        String host = System.getProperty("opensearch.host", "127.0.0.1");

        Path home = Path.of(homeArg).toAbsolutePath();
        for (String dir : List.of("config", "data", "logs", "plugins", "modules")) {
            Files.createDirectories(home.resolve(dir));
        }

        Settings settings = Settings.builder()
                .put("cluster.name", "aetherial-dev")
                .put("node.name", NODE_NAME)
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("discovery.type", "single-node")
                .put("network.host", host)
                .put("http.port", httpPort)
                .put("transport.port", transportPort)
                // A developer's disk is often fuller than the watermarks allow.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                // With a small heap the real-memory breaker trips on GC timing, not on real pressure.
                .put("indices.breaker.total.use_real_memory", false)
                .build();

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings, Map.of(), home.resolve("config"), () -> NODE_NAME);

        long started = System.nanoTime();
        Node node = new LauncherNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[opensearch-launcher] shutting down");
            try {
                node.close();
                if (!node.awaitClose(20, TimeUnit.SECONDS)) {
                    System.err.println("[opensearch-launcher] node did not close within 20 s");
                }
            } catch (Exception e) {
                System.err.println("[opensearch-launcher] shutdown failed: " + e);
            } finally {
                stopped.countDown();
            }
        }, "opensearch-shutdown"));

        node.start();
        // One node: replicas could never be assigned, so new indices get none and the cluster stays green.
        // Index creation reads this default from the cluster state, not from node settings: store it there.
        node.client().admin().cluster().prepareUpdateSettings()
                .setPersistentSettings(Settings.builder().put("cluster.default_number_of_replicas", 0))
                .get();
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("[opensearch-launcher] OpenSearch started: http://%s:%d (transport %d, home %s) in %d ms%n",
                host, httpPort, transportPort, home, ms);
        System.out.flush();
        stopped.await();
    }
}
