import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { javaCommand, javaLauncher, javaOptsFrom } from '../exec.js';
import type { StoreDef } from '../store.js';
import { portOf } from '../url.js';

/**
 * OpenSearch 2.19 (the last line on Java 17), a single node assembled from Maven Central jars by our
 * launcher (`stack/java/opensearch-launcher`): server + transport-netty4, analysis-common, painless,
 * mapper-extras and reindex as classpath plugins. New indices get 0 replicas. Idle RSS is about 400-450 MB.
 */
const launcher = 'opensearch-launcher';
const defaultPort = 9200;

function transportPort(): number {
  const value = process.env.SEARCH_TRANSPORT_PORT;
  if (!value) return 9300;
  const port = Number(value);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`SEARCH_TRANSPORT_PORT=${value} is not a TCP port`);
  }
  return port;
}

interface ClusterHealth {
  status?: string;
}

export const opensearch: StoreDef = {
  name: 'opensearch',
  urlEnv: 'SEARCH_URL',
  defaultUrl: 'http://127.0.0.1:9200',
  ports: (url) => [portOf(url, defaultPort), transportPort()],
  readyTimeoutMs: 120_000,

  async install(ctx) {
    await javaLauncher(ctx, launcher);
  },

  async process(ctx, url) {
    const { classpath } = await javaLauncher(ctx, launcher);
    mkdirSync(ctx.storeDir, { recursive: true });
    return {
      command: javaCommand(),
      args: [
        '-Xms512m',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-XX:+ExitOnOutOfMemoryError',
        '-Dopensearch.set.netty.runtime.available.processors=false',
        '-Dfile.encoding=UTF-8',
        ...javaOptsFrom('SEARCH_JAVA_OPTS'),
        '-cp',
        classpath,
        'dev.aetherial.stack.OpenSearchLauncher',
        join(ctx.storeDir, 'home'),
        String(portOf(url, defaultPort)),
        String(transportPort()),
      ],
      cwd: ctx.storeDir,
    };
  },

  async probe(url) {
    const response = await fetch(new URL('/_cluster/health', url), { signal: AbortSignal.timeout(3000) });
    const body = (await response.json().catch(() => ({}))) as ClusterHealth;
    if (response.status !== 200) throw new Error(`GET /_cluster/health answered ${response.status}`);
    if (body.status !== 'green' && body.status !== 'yellow') {
      throw new Error(`cluster health is ${body.status ?? 'unknown'}`);
    }
  },
};
