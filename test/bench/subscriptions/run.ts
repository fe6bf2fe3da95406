/**
 * Subscription delivery benchmark (not a test: nothing here asserts on timing).
 *
 *   npm run bench:subscriptions -w test -- [--subscribers 1,100,1000] [--posts 30] [--burst 100]
 *
 * A real gateway process (one worker) over the gateway tests' three fixture subgraphs (run in this
 * process) and a private Redis. For each subscriber count, that many graphql-ws connections each
 * hold `postAdded { title author { handle followerCount } likeCount }` (fields of all three
 * subgraphs), anonymous, so subscribers share one resolution per event. Then:
 *  - write-to-delivery latency: posts created one at a time through the gateway's HTTP mutation,
 *    each timed from sending the mutation to its arrival at every subscriber;
 *  - throughput: a burst of posts sent at once, deliveries per second until every subscriber has all.
 * Records the CPU cores used by the gateway, by this process and by the rest of the machine.
 * Prints a markdown table and writes it to test/bench/results/subscriptions-<ISO time>.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { freePort } from '@aetherial/subgraph-kit';
import { startEventGraph } from '../../../gateway/test/fixtures/event-graph.js';
import { startTestRedis } from '../../../gateway/test/fixtures/redis-server.js';
import { testSecrets } from '@aetherial/subgraph-kit';
import { jwtSecret, tokenFor, writeSupergraph } from '../../../gateway/test/helpers.js';
import { cpuShares } from '../cpu.js';
import { percentile } from '../freshness/stats.js';
import { describeMachine, markdownTable } from '../report.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1,100,1000' },
    posts: { type: 'string', default: '30' },
    burst: { type: 'string', default: '100' },
  },
});
const counts = values.subscribers.split(',').map(Number);
const posts = Number(values.posts);
const burst = Number(values.burst);
const stream = `bench-subscriptions-${process.pid}`;

const redis = await startTestRedis();
const graph = await startEventGraph({ redisUrl: redis.url, stream });
const port = await freePort();
const gatewayUrl = `http://127.0.0.1:${port}/graphql`;
const gateway = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/index.ts'], {
  cwd: repoRoot,
  env: {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    GATEWAY_PORT: String(port),
    GATEWAY_WORKERS: '1',
    GATEWAY_SIGNING_PRIVATE_KEY: testSecrets().GATEWAY_SIGNING_PRIVATE_KEY,
    JWT_SECRET: jwtSecret,
    REDIS_URL: redis.url,
    EVENTS_STREAM: stream,
    SUPERGRAPH_PATH: writeSupergraph(graph.supergraphSdl),
    GATEWAY_MAX_SUBSCRIPTIONS: '20000',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
// The gateway goes with this process, however it ends.
process.once('exit', () => gateway.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
const stopAll = async () => {
  gateway.kill('SIGTERM');
  await new Promise((done) => gateway.once('exit', done));
  await graph.stop();
  await redis.stop();
};

for (let attempt = 0; ; attempt += 1) {
  try {
    if ((await fetch(gatewayUrl.replace('/graphql', '/ready'))).ok) break;
  } catch {
    // not listening yet
  }
  if (attempt > 200) throw new Error('the gateway did not become ready');
  await new Promise((done) => setTimeout(done, 100));
}

const author = await tokenFor('bench-author');
async function createPost(title: string): Promise<void> {
  const response = await fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${author}` },
    body: JSON.stringify({
      query: `mutation($t: String!) { createPost(title: $t) { id } }`,
      variables: { t: title },
    }),
  });
  const body = (await response.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

interface Row {
  subscribers: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  deliveriesPerSecond: number;
  cores: ReturnType<ReturnType<typeof cpuShares>['stop']>;
  load: string;
}

const QUERY = `subscription { postAdded { title author { handle followerCount } likeCount } }`;
const rows: Row[] = [];
for (const count of counts) {
  /** Per title: when the mutation was sent, and how many subscribers still wait for it. */
  const pending = new Map<string, { sentAt: number; left: number; done: () => void }>();
  const latencies: number[] = [];
  const clients: Client[] = [];
  /** Subscribers known to be registered: they received a warm-up post. */
  const warmed = new Set<number>();
  for (let i = 0; i < count; i += 1) {
    const client = createClient({
      url: gatewayUrl.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    const connected = new Promise<void>((done) => client.on('connected', () => done()));
    client.subscribe(
      { query: QUERY },
      {
        next: (result) => {
          const title = (result.data?.postAdded as { title: string } | undefined)?.title ?? '';
          if (title.startsWith('warm-up')) return void warmed.add(i);
          const entry = pending.get(title);
          if (!entry) return;
          latencies.push(performance.now() - entry.sentAt);
          entry.left -= 1;
          if (entry.left === 0) entry.done();
        },
        error: (error) => console.error('subscription failed', error),
        complete: () => undefined,
      },
    );
    // Connections open 50 at a time: a thousand handshakes at once are not what is measured.
    if (i % 50 === 49) await connected;
  }
  while (warmed.size < count) {
    await createPost(`warm-up ${count}`);
    await new Promise((done) => setTimeout(done, 500));
  }
  // The warm-up posts still on their way are not measured.
  await new Promise((done) => setTimeout(done, 1000));

  const send = (title: string) =>
    new Promise<void>((done) => {
      pending.set(title, { sentAt: performance.now(), left: count, done });
      void createPost(title);
    });
  const shares = cpuShares(gateway.pid!, process.pid);
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < posts; i += 1) await send(`latency ${count} ${i}`);
  const burstStarted = performance.now();
  await Promise.all(Array.from({ length: burst }, (_, i) => send(`burst ${count} ${i}`)));
  const burstSeconds = (performance.now() - burstStarted) / 1000;
  const cores = shares.stop(0);
  const sorted = latencies.slice(0, posts * count).sort((a, b) => a - b);
  rows.push({
    subscribers: count,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    deliveriesPerSecond: (burst * count) / burstSeconds,
    cores,
    load: `${loadBefore.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
  });
  console.log(
    `${count} subscribers: p50 ${rows.at(-1)!.p50.toFixed(1)} ms, p95 ${rows.at(-1)!.p95.toFixed(1)} ms`,
  );
  await Promise.all(clients.map((client) => client.dispose()));
}
await stopAll();

const machine = describeMachine();
const table = markdownTable(
  [
    'subscribers',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    'deliveries/s (burst)',
    'cores: gateway / bench process / other',
    'load avg 1 min',
  ],
  rows.map((row) => [
    String(row.subscribers),
    row.p50.toFixed(1),
    row.p95.toFixed(1),
    row.p99.toFixed(1),
    row.max.toFixed(1),
    row.deliveriesPerSecond.toFixed(0),
    `${row.cores.gateway} / ${row.cores.subgraphs} / ${row.cores.other}`,
    row.load,
  ]),
);
const report = `# Subscription delivery, ${new Date().toISOString()}

${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}. One gateway process;
the fixture subgraphs and the graphql-ws clients share the bench process. ${posts} posts one at a
time (latency: mutation sent to payload received, every subscriber), then a burst of ${burst}.

${table}
`;
console.log(`\n${report}`);
const dir = join(repoRoot, 'test/bench/results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `subscriptions-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
writeFileSync(file, report);
console.log(`wrote ${file}`);
