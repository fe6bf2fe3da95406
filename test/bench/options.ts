import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const SUITES = ['gateways', 'graph', 'subscriptions'] as const;
export type Suite = (typeof SUITES)[number];

export interface BenchOptions {
  suites: Suite[];
  durationSeconds: number;
  connections: number;
  warmupSeconds: number;
  /** Every variant is measured this many times, round-robin; the median round is reported. */
  rounds: number;
  short: boolean;
  /** Build the peers that are built from source (Hive Router) and exit. */
  buildPeers: boolean;
  /** Variant ids (or id prefixes) to run; empty = all. */
  gateways: string[];
  /** Processes for the multi-process variants (our cluster workers, Hive forks). */
  workers: number;
  redisUrl: string;
  timeoutSeconds: number;
  outDir: string;
  /** The graph suite's own settings (`durationSeconds` and `connections` above are the gateway suite's). */
  graph: {
    durationSeconds: number;
    connections: number;
    /** Data sizes, each as `npm run seed -- --scale <x>`. */
    scales: number[];
  };
  /** The subscription suite's settings. */
  subscriptions: {
    /** Concurrent graphql-ws subscribers, one measurement each. */
    counts: number[];
    /** Posts created one at a time per count (the latency samples). */
    posts: number;
    /** Posts sent at once per count (deliveries per second). */
    burst: number;
  };
}

/**
 * Graph suite sizes: a small graph and one 10x larger. The larger one bounds the run: semantic
 * embeds about 8 posts a second here, so 2000 posts take some 4 minutes to become searchable.
 */
export const DEFAULT_SCALES = { full: [0.02, 0.2], short: [0.005, 0.05] } as const;

export const USAGE = `npm run bench -- [options]

  --duration <s>       measured seconds per gateway            (default 30; short: 5)
                       and per page, size and cache setting    (graph suite: default 20; short: 5)
  --connections <n>    concurrent connections                  (default 50; graph suite 10; short: 10)
  --warmup <s>         warm-up seconds before each measurement (default 5; short: 2)
  --rounds <n>         measure every gateway n times, round-robin, and report
                       the median round (evens out a noisy machine; default 1)
  --short              quick check: the short defaults above
  --only <suites>      comma-separated suites: ${SUITES.join(', ')} (default all)
  --gateways <ids>     comma-separated variant ids or prefixes, e.g. apollo-stock,ours-nocache
                       (default all: apollo-stock, hive, hive-fork<N>, hive-router-{1,N}w,
                        ours-nodedupe-1w, ours-{nocache,cache}-{1,N}w)
  --build-peers        build Hive Router from crates.io into the stack's tools directory
                       (cargo, ~15 min on 2 cores; once per machine) and exit
  --workers <n>        processes of the multi-process variants  (default ${Math.min(availableParallelism(), 4)})
  --redis-url <url>    Redis of our cached variants; use a database of its own
                       (default redis://127.0.0.1:6379/7 or $BENCH_REDIS_URL)
  --timeout <s>        per-request timeout; a timeout is a failure (default 30)
  --scale <x,y,...>    graph suite: data sizes, each seeded like \`npm run seed -- --scale x\`
                       (1 = 1000 users, 10000 posts, 20000 follows, 30000 likes, 500 products,
                       2000 orders; default ${DEFAULT_SCALES.full.join(',')}; short: ${DEFAULT_SCALES.short.join(',')})
  --subscribers <n,..> subscription suite: concurrent subscribers, one measurement each
                       (default 1,100,1000; short: 1,100)
  --posts <n>          subscription suite: posts one at a time per count (default 30; short: 10)
  --burst <n>          subscription suite: posts sent at once per count (default 100; short: 50)
  --out <dir>          results directory                       (default test/bench/results)
  --help`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new Error(`--${name} must be a positive number, got "${value}"`);
  return number;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function scales(given: string[] | undefined, short: boolean): number[] {
  const values = (given ?? []).flatMap((value) => list(value));
  if (values.length === 0) return [...(short ? DEFAULT_SCALES.short : DEFAULT_SCALES.full)];
  return values.map((value) => positive('scale', value, 0));
}

export function parseBenchOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      short: { type: 'boolean', default: false },
      'build-peers': { type: 'boolean', default: false },
      only: { type: 'string' },
      gateways: { type: 'string' },
      workers: { type: 'string' },
      'redis-url': { type: 'string' },
      timeout: { type: 'string' },
      out: { type: 'string' },
      scale: { type: 'string', multiple: true },
      subscribers: { type: 'string' },
      posts: { type: 'string' },
      burst: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const short = values.short ?? false;
  const suites = list(values.only);
  for (const suite of suites) {
    if (!(SUITES as readonly string[]).includes(suite))
      throw new Error(`unknown suite "${suite}"; known: ${SUITES.join(', ')}`);
  }
  return {
    suites: suites.length > 0 ? (suites as Suite[]) : [...SUITES],
    durationSeconds: positive('duration', values.duration, short ? 5 : 30),
    connections: Math.round(positive('connections', values.connections, short ? 10 : 50)),
    warmupSeconds: positive('warmup', values.warmup, short ? 2 : 5),
    rounds: Math.round(positive('rounds', values.rounds, 1)),
    short,
    buildPeers: values['build-peers'] ?? false,
    gateways: list(values.gateways),
    workers: Math.round(positive('workers', values.workers, Math.min(availableParallelism(), 4))),
    redisUrl: values['redis-url'] ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/7',
    timeoutSeconds: positive('timeout', values.timeout, 30),
    outDir: resolve(values.out ?? resolve(import.meta.dirname, 'results')),
    graph: {
      durationSeconds: positive('duration', values.duration, short ? 5 : 20),
      connections: Math.round(positive('connections', values.connections, 10)),
      scales: scales(values.scale, short),
    },
    subscriptions: {
      counts: (list(values.subscribers).length > 0
        ? list(values.subscribers)
        : short
          ? ['1', '100']
          : ['1', '100', '1000']
      ).map((value) => Math.round(positive('subscribers', value, 1))),
      posts: Math.round(positive('posts', values.posts, short ? 10 : 30)),
      burst: Math.round(positive('burst', values.burst, short ? 50 : 100)),
    },
  };
}
