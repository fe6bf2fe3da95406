/**
 * Subscription delivery benchmark (not a test: nothing here asserts on timing): `npm run bench --
 * --only subscriptions`, or `npm run bench:subscriptions -w test -- [--subscribers 1,100,1000]
 * [--posts 30] [--burst 100]`.
 *
 * A real gateway process (one worker) over the gateway tests' three fixture subgraphs (run in this
 * process) and a private Redis. For each subscriber count, that many graphql-ws connections each
 * hold `postAdded { title author { handle followerCount } likeCount }` (fields of all three
 * subgraphs), anonymous, so subscribers share one resolution per event. Then:
 *  - write-to-delivery latency: posts created one at a time through the gateway's HTTP mutation,
 *    each timed from sending the mutation to its arrival at every subscriber;
 *  - throughput: a burst of posts sent at once, deliveries per second until every subscriber has all.
 * Records the CPU cores used by the gateway, by this process and by the rest of the machine, and
 * the load average. Writes test/bench/results/subscriptions-<ISO time>.md and .json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { freePort, testSecrets } from '@aetherial/subgraph-kit';
import { startEventGraph } from '../../../gateway/test/fixtures/event-graph.js';
import { startTestRedis } from '../../../gateway/test/fixtures/redis-server.js';
import { jwtSecret, tokenFor, writeSupergraph } from '../../../gateway/test/helpers.js';
import { cpuShares } from '../cpu.js';
import { percentile } from '../freshness/stats.js';
import { describeMachine, markdownTable } from '../report.js';

export interface SubscriptionSuiteOptions {
  /** Concurrent subscribers, one measurement each. */
  counts: number[];
  /** Posts created one at a time per count (latency samples: posts × subscribers). */
  posts: number;
  /** Posts sent at once per count (throughput). */
  burst: number;
  outDir: string;
}

export interface SubscriptionRow {
  subscribers: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  deliveriesPerSecond: number;
  cores: ReturnType<ReturnType<typeof cpuShares>['stop']>;
  loadAverage: { before: number; after: number };
}

export interface SubscriptionRun {
  suite: 'subscriptions';
  startedAt: string;
  finishedAt: string;
  settings: Omit<SubscriptionSuiteOptions, 'outDir'>;
  machine: ReturnType<typeof describeMachine>;
  /** The 1-, 5- and 15-minute load averages when the suite started. */
  loadAverageAtStart: number[];
  rows: SubscriptionRow[];
}

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Runs the suite, prints progress with `log`, writes its report; returns the files written. */
export async function runSubscriptionSuite(
  options: SubscriptionSuiteOptions,
  log: (message: string) => void,
): Promise<{ run: SubscriptionRun; files: string[] }> {
  const { counts, posts, burst } = options;
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
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
      // Raised far above the load (still consulted), as in the other suites: the author's posts
      // would be rate-limited otherwise.
      GATEWAY_RATE_LIMIT_PER_IP: '100000000',
      GATEWAY_RATE_LIMIT_PER_VIEWER: '100000000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // The gateway goes with this process, however it ends.
  const killGateway = () => gateway.kill('SIGKILL');
  const exitOnSignal = () => process.exit(1);
  process.once('exit', killGateway);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, exitOnSignal);
  const stopAll = async () => {
    process.off('exit', killGateway);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, exitOnSignal);
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
    // A minute: on a loaded machine the gateway's start (tsx, supergraph, Redis) took over 20 s.
    if (attempt > 600) throw new Error('the gateway did not become ready within a minute');
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

  const QUERY = `subscription { postAdded { title author { handle followerCount } likeCount } }`;
  const rows: SubscriptionRow[] = [];
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
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
    });
    log(
      `${count} subscribers: p50 ${rows.at(-1)!.p50.toFixed(1)} ms, p95 ${rows.at(-1)!.p95.toFixed(1)} ms, ` +
        `p99 ${rows.at(-1)!.p99.toFixed(1)} ms, ${rows.at(-1)!.deliveriesPerSecond.toFixed(0)} deliveries/s`,
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
      `${row.loadAverage.before.toFixed(2)} → ${row.loadAverage.after.toFixed(2)}`,
    ]),
  );
  const report = `# Subscription delivery, ${new Date().toISOString()}

${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}. One gateway process;
the fixture subgraphs and the graphql-ws clients share the bench process. ${posts} posts one at a
time (latency: mutation sent to payload received, every subscriber), then a burst of ${burst}.
Load average when the suite started: ${loadAverageAtStart.join(' / ')} (1 / 5 / 15 min); the
machine is shared, so the cores used by everything else are recorded per row.

${table}
`;
  log(`\n${report}`);
  const run: SubscriptionRun = {
    suite: 'subscriptions',
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: { counts, posts, burst },
    machine,
    loadAverageAtStart,
    rows,
  };
  mkdirSync(options.outDir, { recursive: true });
  const base = join(options.outDir, `subscriptions-${startedAt.replace(/[:.]/g, '-')}`);
  writeFileSync(`${base}.md`, report);
  writeFileSync(`${base}.json`, `${JSON.stringify(run, null, 2)}\n`);
  return { run, files: [`${base}.md`, `${base}.json`] };
}
