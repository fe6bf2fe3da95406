import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort, GRAPH_SECRET_NAMES, testSecrets } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBlogSubgraph, type BlogFixture } from './fixtures/blog-subgraph.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { jwtSecret, until, writeSupergraph } from './helpers.js';

/**
 * The gateway as `npm start` runs it: a primary and two workers on one port (src/index.ts). Every
 * call below opens its own connection, so the primary spreads them over the workers.
 */
let blog: BlogFixture;
let redis: TestRedis;
let child: ChildProcess | undefined;
let base = '';

/** One HTTP exchange on a connection of its own (no keep-alive: each may reach another worker). */
function call(path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: body ? 'POST' : 'GET',
        agent: false,
        headers: body ? { 'content-type': 'application/json' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sample = (text: string, name: string): number => {
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`) || row.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
};

beforeAll(async () => {
  redis = await startTestRedis();
  blog = await startBlogSubgraph();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const inherited = { ...process.env };
  for (const name of GRAPH_SECRET_NAMES) delete inherited[name];
  child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    {
      env: {
        ...inherited,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(port),
        GATEWAY_WORKERS: '2',
        GATEWAY_RATE_LIMIT: 'false',
        GATEWAY_SUBSCRIPTIONS: 'false',
        REDIS_URL: redis.url,
        SUPERGRAPH_PATH: writeSupergraph(blog.supergraphSdl),
        JWT_SECRET: jwtSecret,
        GATEWAY_SIGNING_PRIVATE_KEY: testSecrets().GATEWAY_SIGNING_PRIVATE_KEY,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  // Both workers listening: each adds 1 to gateway_workers, which the cluster-wide view sums.
  await until(async () => {
    const metrics = await call('/metrics').catch(() => ({ status: 0, text: '' }));
    return metrics.status === 200 && sample(metrics.text, 'gateway_workers') === 2;
  }, 90_000);
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
  await blog?.stop();
  await redis?.stop();
});

describe('cluster-wide gateway metrics', () => {
  it('reports the requests of every worker on /metrics, whichever worker answers the scrape', async () => {
    const sent = 10;
    for (let i = 0; i < sent; i += 1) {
      const answer = await call('/graphql', JSON.stringify({ query: '{ product(id: "p1") { id name } }' }));
      expect(answer.status).toBe(200);
    }
    for (let scrape = 0; scrape < 4; scrape += 1) {
      const cluster = await call('/metrics');
      expect(sample(cluster.text, 'gateway_requests_total')).toBe(sent);
      expect(sample(cluster.text, 'gateway_workers')).toBe(2);
    }
    // Each worker on its own served only part of them: the total is a sum, not one worker's count.
    for (let scrape = 0; scrape < 4; scrape += 1) {
      const own = sample((await call('/metrics?scope=worker')).text, 'gateway_requests_total');
      expect(own).toBeGreaterThan(0);
      expect(own).toBeLessThan(sent);
    }
  });
});
