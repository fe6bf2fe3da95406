import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import neo4jDriver from 'neo4j-driver';
import { javaCommand, javaLauncher, javaOptsFrom } from '../exec.js';
import type { StoreDef } from '../store.js';
import { portOf } from '../url.js';

/**
 * Neo4j 5.26 LTS Community, embedded by our launcher (`stack/java/neo4j-launcher`) with Bolt on
 * 127.0.0.1, no HTTP connector and no auth. Idle it takes about 300 MB of RSS.
 */
const launcher = 'neo4j-launcher';
const defaultPort = 7687;

export const neo4j: StoreDef = {
  name: 'neo4j',
  urlEnv: 'NEO4J_URL',
  defaultUrl: 'bolt://127.0.0.1:7687',
  ports: (url) => [portOf(url, defaultPort)],
  readyTimeoutMs: 90_000,

  async install(ctx) {
    await javaLauncher(ctx, launcher);
  },

  async process(ctx, url) {
    const { classpath } = await javaLauncher(ctx, launcher);
    mkdirSync(ctx.storeDir, { recursive: true });
    return {
      command: javaCommand(),
      args: [
        '-Xms64m',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-XX:+ExitOnOutOfMemoryError',
        // What Neo4j's own start script opens: the page cache and Netty use these internals.
        '--add-opens=java.base/java.nio=ALL-UNNAMED',
        '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
        '--add-opens=java.base/java.io=ALL-UNNAMED',
        '-Dio.netty.tryReflectionSetAccessible=true',
        '-Dneo4j.pagecache=64m',
        ...javaOptsFrom('NEO4J_JAVA_OPTS'),
        '-cp',
        classpath,
        'dev.aetherial.stack.Neo4jLauncher',
        join(ctx.storeDir, 'home'),
        String(portOf(url, defaultPort)),
      ],
      cwd: ctx.storeDir,
    };
  },

  async probe(url) {
    const driver = neo4jDriver.driver(
      url.toString(),
      { scheme: 'none', principal: '', credentials: '' },
      {
        connectionTimeout: 2000,
        connectionAcquisitionTimeout: 3000,
        maxConnectionPoolSize: 1,
        maxTransactionRetryTime: 0,
      },
    );
    try {
      const { records } = await driver.executeQuery('RETURN 1 AS ok');
      const ok: unknown = records[0]?.get('ok');
      if (!neo4jDriver.isInt(ok) || ok.toNumber() !== 1) throw new Error('RETURN 1 did not return 1');
    } finally {
      await driver.close();
    }
  },
};
