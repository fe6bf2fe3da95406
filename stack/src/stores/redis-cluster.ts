import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { ensureDebianPackage } from '../apt.js';
import type { StoreDef } from '../store.js';
import { portOf } from '../url.js';

const run = promisify(execFile);
const redisServer = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const redisCli = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli';

/** 3 masters and a replica each, on consecutive ports from the URL's (7001–7006), so a master can fail over. */
const masters = 3;
const nodeCount = masters * 2;
/** Redis Cluster's bus listens on the client port + 10000. */
const busOffset = 10_000;

const nodePorts = (url: URL): number[] => Array.from({ length: nodeCount }, (_, i) => portOf(url, 7001) + i);

/** The arguments of one node: the `redis` store's settings plus cluster mode, each node in a directory of its own. */
function nodeArgs(dir: string, port: number): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    // Short, so a failover test does not wait long for a replica to take over a stopped master.
    '--cluster-node-timeout',
    '2000',
  ];
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

async function clusterInfo(port: number): Promise<Record<string, string>> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const text = (await client.call('CLUSTER', 'INFO')) as string;
    return Object.fromEntries(
      text
        .split(/\r?\n/)
        .filter((line) => line.includes(':'))
        .map((line) => line.split(':', 2) as [string, string]),
    );
  } finally {
    client.disconnect();
  }
}

/**
 * A real Redis Cluster on loopback, for the cache and event log where one Redis is outgrown. Its
 * URL names one node (`redis+cluster://127.0.0.1:7001`); clients discover the others. Opt-in: a
 * plain `up` does not start it, `up redis-cluster` does.
 */
export const redisCluster: StoreDef = {
  name: 'redis-cluster',
  urlEnv: 'REDIS_CLUSTER_URL',
  defaultUrl: 'redis+cluster://127.0.0.1:7001',
  optIn: true,
  ports: (url) => nodePorts(url).flatMap((port) => [port, port + busOffset]),
  readyTimeoutMs: 30_000,

  async install(ctx) {
    await ensureDebianPackage(redisServer, ['redis-server'], ctx.log);
    await ensureDebianPackage(redisCli, ['redis-tools'], ctx.log);
  },

  async process(ctx, url) {
    // One supervised process group: bash runs the nodes; `down` signals the whole group, and when
    // one node dies bash stops the others, so the stack sees the store as down, not half up.
    const lines = nodePorts(url).map((port) => {
      const dir = join(ctx.storeDir, `node-${port}`);
      mkdirSync(dir, { recursive: true });
      return `${quote(redisServer)} ${nodeArgs(dir, port).map(quote).join(' ')} &`;
    });
    return {
      command: '/bin/bash',
      args: ['-c', ['trap "kill 0" EXIT', ...lines, 'wait -n'].join('\n')],
    };
  },

  async probe(url) {
    await Promise.all(
      nodePorts(url).map(async (port) => {
        const client = new Redis({
          host: '127.0.0.1',
          port,
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
          const pong = await client.ping();
          if (pong !== 'PONG') throw new Error(`node :${port} answered ${pong} to PING`);
        } finally {
          client.disconnect();
        }
      }),
    );
  },

  /** The first start forms the cluster (nodes.conf keeps it across restarts); then waits until every node says ok. */
  async afterReady(ctx, url) {
    const ports = nodePorts(url);
    if ((await clusterInfo(ports[0]!)).cluster_slots_assigned === '0') {
      ctx.log(`forming the cluster: ${masters} masters, 1 replica each`);
      await run(redisCli, [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ]);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const states = await Promise.all(ports.map(async (port) => (await clusterInfo(port)).cluster_state));
      if (states.every((state) => state === 'ok')) return;
      if (Date.now() > deadline) throw new Error(`cluster not ok after 30 s: states ${states.join(', ')}`);
      await sleep(250);
    }
  },
};
