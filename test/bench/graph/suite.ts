/**
 * The graph benchmark: the real Aetherial graph (five subgraphs on their stores, our gateway) in the
 * `bench` namespace, seeded at each size, measured with three frontend pages, response cache off
 * and on. See test/bench/README.md.
 */
import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { DEMO_PASSWORD } from '@aetherial/core/seed';
import { freePort } from '@aetherial/subgraph-kit';
import { seedGraph, type SeededGraph } from '../../../stack/src/seed/seed-graph.js';
import { parseSeedSize, type SeedSize } from '../../../stack/src/seed/size.js';
import { resetNamespace, startGraph, type RunningGraph } from '../../graph/graph-under-test.js';
import {
  defineNamespace,
  freePorts,
  gatewayUrl,
  subgraphUrl,
  SUBGRAPHS,
  type GraphNamespace,
} from '../../graph/namespace.js';
import { waitForReadModels } from '../../graph/read-models.js';
import { seedEvents, seedTargets } from '../../graph/seed.js';
import { runLoadProcess, type LoadResult, type LoadVariant } from '../load.js';
import type { BenchOptions } from '../options.js';
import { measureActivityFreshness, type ActivityFreshness } from './activity-freshness.js';
import { readGatewayCounters } from './gateway-metrics.js';
import { meaningful, PAGES, requestBody, SEARCH_TERMS, type Page, type PageName } from './queries.js';
import { difference, snapshotStoreRequests, type StoreName, type StoreSnapshot } from './store-requests.js';

/**
 * The bench's seed: not the demo's (42) nor the e2e tests' (7), so its users and posts never share
 * an id with theirs in the Neo4j database every namespace shares.
 */
export const BENCH_SEED = 1130;
/** Redis database of the bench namespace (demo 0, e2e 3, gateway suite's cache 7). */
export const BENCH_REDIS_DATABASE = 5;
/** Profiles requested in turn: this many users, spread evenly over the seeded ones. */
export const MAX_PROFILES = 30;
/** Feeds requested in turn: this many signed-in viewers whose feed is not empty. */
export const MAX_VIEWERS = 20;
const MAX_VIEWER_CANDIDATES = 60;
/**
 * A counting pass repeats a page's requests until it has made at least this many: the relays' polls
 * come in bursts of a few round trips, so one burst more or less must not weigh much per request.
 */
const MIN_COUNTED_REQUESTS = 20;

export interface PageVariants {
  count: number;
  /** Variants whose answer shows what the page is for (a profile with posts, a non-empty feed, hits). */
  meaningful: number;
  /** Average size of an answer. */
  responseKiB: number;
}

export interface GraphRow {
  page: PageName;
  scale: number;
  cache: boolean;
  status: 'ok' | 'failed';
  reason?: string;
  load?: LoadResult;
  /** Requests the gateway answered between the two counter readings around the measured run. */
  answered?: number;
  /**
   * Store round trips per request, by store, from the counting pass (see CountingPass); null when no
   * subgraph exposes `store_requests_total`.
   */
  storeRequestsPerRequest?: Partial<Record<StoreName, number>> | null;
  counting?: CountingPass;
  /**
   * Round trips by store between the counter readings around the measured load run, background
   * included (not per request: the relays' polling rate changes with the load, see README).
   */
  loadRunStoreRequests?: { byStore: Partial<Record<StoreName, number>>; seconds: number };
  /** Subgraph calls the gateway made per request during the measured run, by subgraph; null without the gateway's counters. */
  subgraphCallsPerRequest?: Record<string, number> | null;
  loadAverage: number;
}

export interface GraphSizeResult {
  scale: number;
  size: SeedSize;
  status: 'ok' | 'failed';
  reason?: string;
  /** Reset of the namespace, then start of the five subgraphs and two gateways. */
  resetSeconds?: number;
  startSeconds?: number;
  seedSeconds?: SeededGraph['seconds'] & { total: number };
  /** Follows and likes as seeded (follows are capped at n·(n−1) for n users). */
  seeded?: { follows: number; likes: number };
  /** From the end of the seed until search, semantic, social and the cache invalidator had applied every event. */
  catchUpSeconds?: number;
  events?: number;
  /** Round trips per second by store while the graph was idle (relays polling, consumers waiting). */
  background?: { seconds: number; perSecond: Partial<Record<StoreName, number>> };
  /** Subgraphs without `store_requests_total` on their /metrics. */
  countersMissing?: string[];
  variants?: Partial<Record<PageName, PageVariants>>;
  rows: GraphRow[];
  /** A comment written → counted in Post.stats through each gateway (after the load runs). */
  activityFreshness?: ActivityFreshness;
  activityFreshnessError?: string;
}

/**
 * Store round trips of a page, counted while nothing else runs: every request of the page sent once,
 * one at a time, through the row's gateway (with the cache on: right after its cache was filled),
 * between two idle windows. The outbox relays poll PostgreSQL and MongoDB several times a second
 * whether or not anything changed; the mean rate of the two windows times the pass's duration is
 * subtracted before dividing by the requests the gateway answered.
 */
export interface CountingPass {
  requests: number;
  seconds: number;
  raw: Partial<Record<StoreName, number>>;
  /** Background round trips per second (mean of the idle windows before and after), by store. */
  background: Partial<Record<StoreName, number>>;
}

type Log = (message: string) => void;

interface Answer {
  status: number;
  body: string;
  parsed: { data?: Record<string, unknown> | null; errors?: unknown };
}

async function ask(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let parsed: Answer['parsed'] = {};
  try {
    parsed = JSON.parse(text) as Answer['parsed'];
  } catch {
    // judged below
  }
  return { status: response.status, body: text, parsed };
}

function problem(answer: Answer): string | null {
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.parsed.errors) return `errors: ${JSON.stringify(answer.parsed.errors).slice(0, 300)}`;
  if (!answer.parsed.data) return `no data: ${answer.body.slice(0, 300)}`;
  return null;
}

/** At most `count` items spread evenly over `items`. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

/** Signed-in viewers whose feed is not empty, through the real log-in (core's seeded password). */
async function feedViewers(url: string, userIds: readonly string[]): Promise<Record<string, string>[]> {
  const viewers: Record<string, string>[] = [];
  const feedPage = PAGES.find((page) => page.name === 'feed')!;
  for (const id of spread(userIds, MAX_VIEWER_CANDIDATES)) {
    if (viewers.length >= MAX_VIEWERS) break;
    const user = await ask(
      url,
      JSON.stringify({ query: 'query Handle($id: ID!) { user(id: $id) { handle } }', variables: { id } }),
    );
    const handle = (user.parsed.data?.user as { handle?: string } | null)?.handle;
    if (!handle) throw new Error(`user ${id}: ${problem(user) ?? 'no handle'}`);
    const logIn = await ask(
      url,
      JSON.stringify({
        query: 'mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }',
        variables: { input: { login: handle, password: DEMO_PASSWORD } },
      }),
    );
    const token = (logIn.parsed.data?.logIn as { token?: string } | null)?.token;
    if (!token) throw new Error(`log-in of ${handle}: ${problem(logIn) ?? 'no token'}`);
    const headers = { authorization: `Bearer ${token}` };
    const feed = await ask(url, requestBody(feedPage), headers);
    if (!problem(feed) && meaningful('feed', feed.parsed.data!)) viewers.push(headers);
  }
  return viewers;
}

interface PageWorkload {
  page: Page;
  requests: { body: string; headers?: Record<string, string> }[];
}

async function workloads(url: string, seeded: SeededGraph, log: Log): Promise<PageWorkload[]> {
  const out: PageWorkload[] = [];
  for (const page of PAGES) {
    if (page.name === 'profile' || page.name === 'profile-analytics') {
      const ids = spread(seeded.userIds, MAX_PROFILES);
      out.push({ page, requests: ids.map((id) => ({ body: requestBody(page, { id }) })) });
    } else if (page.name === 'feed') {
      const viewers = await feedViewers(url, seeded.userIds);
      log(`feed: ${viewers.length} signed-in viewers with a non-empty feed`);
      out.push({ page, requests: viewers.map((headers) => ({ body: requestBody(page), headers })) });
    } else {
      out.push({ page, requests: SEARCH_TERMS.map((terms) => ({ body: requestBody(page, terms) })) });
    }
  }
  return out;
}

async function snapshot(ns: GraphNamespace, gatewayMetricsUrl: string) {
  const metricsUrls = Object.fromEntries(SUBGRAPHS.map((name) => [name, subgraphUrl(ns, name, '/metrics')]));
  const [stores, gateway] = await Promise.all([
    snapshotStoreRequests(metricsUrls),
    readGatewayCounters(gatewayMetricsUrl),
  ]);
  return { stores, gateway };
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

const metricsUrlOf = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '/metrics');

/** Round trips per second by store between two readings. */
function rate(before: StoreSnapshot, after: StoreSnapshot): Partial<Record<StoreName, number>> {
  const seconds = (after.at - before.at) / 1000;
  const out: Partial<Record<StoreName, number>> = {};
  for (const [store, count] of Object.entries(difference(before, after)))
    out[store as StoreName] = count / seconds;
  return out;
}

/** Leaves the graph alone for `seconds`; the store counters' rate meanwhile is its background. */
async function idle(ns: GraphNamespace, metricsUrl: string, seconds: number) {
  const before = await snapshot(ns, metricsUrl);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await snapshot(ns, metricsUrl);
  return { rate: rate(before.stores, after.stores), missing: after.stores.missing };
}

/**
 * Every request of a page through `url`, between counter readings: once, or `rounds` times over; one
 * at a time unless `parallel` (then the counts mean nothing). Each answer must be 200 with data and
 * no errors, and the same data as that request's `expected` answer (by default its first answer
 * here), which becomes its reference for the load run.
 */
async function pass(
  ns: GraphNamespace,
  url: string,
  workload: PageWorkload,
  options: { expected?: LoadVariant[]; rounds?: number; parallel?: number } = {},
): Promise<{
  before: Snapshot;
  after: Snapshot;
  variants: LoadVariant[];
  meaningful: number;
  bytes: number;
}> {
  const { requests, page } = workload;
  const before = await snapshot(ns, metricsUrlOf(url));
  const variants: LoadVariant[] = [];
  let useful = 0;
  let bytes = 0;
  const check = async (round: number, i: number) => {
    const request = requests[i]!;
    const answer = await ask(url, request.body, request.headers);
    const expected = options.expected?.[i] ?? variants[i];
    const wrong =
      problem(answer) ??
      (expected &&
      answer.body !== expected.referenceBody &&
      !isDeepStrictEqual(answer.parsed, JSON.parse(expected.referenceBody))
        ? `not the same answer as before (${options.expected ? 'uncached gateway' : 'this gateway'}): ${answer.body.slice(0, 300)}`
        : null);
    if (wrong) throw new Error(`${page.label}: ${request.body.slice(0, 120)}… → ${wrong}`);
    if (round > 0) return;
    if (meaningful(page.name, answer.parsed.data!)) useful += 1;
    bytes += Buffer.byteLength(answer.body);
    variants[i] = { ...request, referenceBody: answer.body };
  };
  const rounds = options.rounds ?? 1;
  const order = Array.from({ length: rounds * requests.length }, (_, n) => n);
  const worker = async () => {
    for (let n = order.shift(); n !== undefined; n = order.shift())
      await check(Math.floor(n / requests.length), n % requests.length);
  };
  await Promise.all(Array.from({ length: options.parallel ?? 1 }, worker));
  return { before, after: await snapshot(ns, metricsUrlOf(url)), variants, meaningful: useful, bytes };
}

/** Every request once, a few at a time, answers unchecked: fills a cached gateway's cache. */
async function prime(url: string, variants: LoadVariant[], parallel = 5): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < variants.length) {
      const variant = variants[next++]!;
      await ask(url, variant.body, variant.headers).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

function countingPass(
  run: { before: Snapshot; after: Snapshot },
  variants: number,
  backgroundBefore: Partial<Record<StoreName, number>>,
  backgroundAfter: Partial<Record<StoreName, number>>,
): { pass: CountingPass; perRequest: Partial<Record<StoreName, number>> | null } {
  const { before, after } = run;
  const answered =
    before.gateway && after.gateway ? after.gateway.requests - before.gateway.requests : variants;
  const seconds = (after.stores.at - before.stores.at) / 1000;
  const raw = difference(before.stores, after.stores);
  const background: Partial<Record<StoreName, number>> = {};
  const perRequest: Partial<Record<StoreName, number>> = {};
  for (const [store, count] of Object.entries(raw) as [StoreName, number][]) {
    background[store] = round(((backgroundBefore[store] ?? 0) + (backgroundAfter[store] ?? 0)) / 2);
    perRequest[store] = round(Math.max(0, count - background[store] * seconds) / Math.max(answered, 1));
  }
  return {
    pass: { requests: answered, seconds: round(seconds), raw, background },
    perRequest: after.stores.missing.length < SUBGRAPHS.length ? perRequest : null,
  };
}

function subgraphCallsPerRequest(before: Snapshot, after: Snapshot, answered: number) {
  if (!before.gateway || !after.gateway) return null;
  const calls: Record<string, number> = {};
  for (const [subgraph, count] of Object.entries(after.gateway.subgraphCalls))
    calls[subgraph] = round((count - (before.gateway.subgraphCalls[subgraph] ?? 0)) / Math.max(answered, 1));
  return calls;
}

async function measurePage(
  ns: GraphNamespace,
  url: string,
  page: Page,
  scale: number,
  cache: boolean,
  variants: LoadVariant[],
  options: BenchOptions,
): Promise<GraphRow> {
  const loadAverage = round(loadavg()[0]!);
  let before: Promise<Snapshot> | undefined;
  try {
    // Entries live 10 to 60 s: whatever expired since the counting pass is refilled before the run.
    if (cache) await prime(url, variants);
    const load = await runLoadProcess(
      {
        url,
        connections: options.graph.connections,
        warmupSeconds: options.warmupSeconds,
        durationSeconds: options.graph.durationSeconds,
        timeoutSeconds: options.timeoutSeconds,
        variants,
        check: 'same-data',
      },
      () => {
        before = snapshot(ns, metricsUrlOf(url));
      },
    );
    const after = await snapshot(ns, metricsUrlOf(url));
    const start = await before!;
    const answered =
      start.gateway && after.gateway ? after.gateway.requests - start.gateway.requests : load.requests;
    return {
      page: page.name,
      scale,
      cache,
      status: 'ok',
      load,
      answered,
      loadRunStoreRequests: {
        byStore: difference(start.stores, after.stores),
        seconds: round((after.stores.at - start.stores.at) / 1000),
      },
      subgraphCallsPerRequest: subgraphCallsPerRequest(start, after, answered),
      loadAverage,
    };
  } catch (error) {
    return { page: page.name, scale, cache, status: 'failed', reason: (error as Error).message, loadAverage };
  }
}

/** The seed of one size: `npm run seed -- --scale <scale>` with the bench's own seed. */
export function benchSeedSize(scale: number): SeedSize {
  const size = { ...parseSeedSize(['--scale', String(scale)]), seed: BENCH_SEED };
  if (size.users < 2 || size.posts < 1)
    throw new Error(`--scale ${scale} seeds ${size.users} users and ${size.posts} posts: too small`);
  return size;
}

async function runSize(
  scale: number,
  options: BenchOptions,
  log: Log,
  onRow: (row: GraphRow) => void,
  track: (graph: RunningGraph | undefined) => void,
): Promise<GraphSizeResult> {
  const size = benchSeedSize(scale);
  const result: GraphSizeResult = { scale, size, status: 'ok', rows: [] };
  const ns = defineNamespace({
    name: 'bench',
    redisDatabase: BENCH_REDIS_DATABASE,
    eventsStream: `aetherial:bench:${process.pid}:events`,
    ...(await freePorts()),
  });
  let cachedPort = await freePort();
  while (cachedPort === ns.gatewayPort || Object.values(ns.ports).includes(cachedPort))
    cachedPort = await freePort();
  const gateways = { cold: gatewayUrl(ns), warm: gatewayUrl(ns, cachedPort) };
  let started = performance.now();
  const seconds = () => round((performance.now() - started) / 1000, 1);
  await resetNamespace(ns);
  result.resetSeconds = seconds();
  started = performance.now();
  const graph = await startGraph(ns, {
    gateways: [
      { name: 'gateway-cache-off', port: ns.gatewayPort, env: { GATEWAY_CACHE: 'false' } },
      { name: 'gateway-cache-on', port: cachedPort, env: { GATEWAY_CACHE: 'true' } },
    ],
  });
  track(graph);
  try {
    result.startSeconds = seconds();
    log(`graph started in ${result.startSeconds} s (logs: .data/logs/bench/)`);
    started = performance.now();
    const seeded = await seedGraph(size, (message) => log(`seed: ${message}`), seedTargets(ns));
    result.seedSeconds = { ...seeded.seconds, total: seconds() };
    result.seeded = { follows: seeded.social.follows, likes: seeded.social.likes };
    started = performance.now();
    result.events = seedEvents(size);
    await waitForReadModels(ns, {
      groups: [ns.groups.search, ns.groups.semantic, ns.groups.social, ns.groups.analytics, 'gateway-cache'],
      minEvents: result.events,
      timeoutMs: 30 * 60_000,
    });
    result.catchUpSeconds = seconds();
    log(`read models caught up with ${result.events} events in ${result.catchUpSeconds} s`);

    const pages = await workloads(gateways.cold, seeded, log);
    // Every request once through each gateway, one at a time, between idle windows: checks the
    // answers, keeps them as references, fills the cache and counts store round trips.
    const idleSeconds = options.short ? 1.5 : 2;
    const counted = new Map<
      string,
      { pass: CountingPass; perRequest: GraphRow['storeRequestsPerRequest'] }
    >();
    const prepared: { page: Page; cold: LoadVariant[]; warm: LoadVariant[] }[] = [];
    result.variants = {};
    let quiet = await idle(ns, metricsUrlOf(gateways.cold), idleSeconds);
    result.background = { seconds: idleSeconds, perSecond: {} };
    for (const [store, value] of Object.entries(quiet.rate))
      result.background.perSecond[store as StoreName] = round(value);
    result.countersMissing = quiet.missing;
    if (quiet.missing.length > 0) log(`store_requests_total missing on: ${quiet.missing.join(', ')}`);
    for (const workload of pages) {
      const { page } = workload;
      if (workload.requests.length === 0) {
        result.rows.push(
          ...[false, true].map((cache) => ({
            page: page.name,
            scale,
            cache,
            status: 'failed' as const,
            reason: `no ${page.label} request to make (no viewer with a non-empty feed?)`,
            loadAverage: 0,
          })),
        );
        continue;
      }
      const rounds = Math.ceil(MIN_COUNTED_REQUESTS / workload.requests.length);
      const cold = await pass(ns, gateways.cold, workload, { rounds });
      let next = await idle(ns, metricsUrlOf(gateways.cold), idleSeconds);
      counted.set(
        `${page.name}:false`,
        countingPass(cold, cold.variants.length * rounds, quiet.rate, next.rate),
      );
      quiet = next;
      const warm = await pass(ns, gateways.warm, workload, { expected: cold.variants, parallel: 4 }); // fills the cache
      const cached = await pass(ns, gateways.warm, workload, { expected: cold.variants, rounds });
      next = await idle(ns, metricsUrlOf(gateways.cold), idleSeconds);
      counted.set(
        `${page.name}:true`,
        countingPass(cached, cached.variants.length * rounds, quiet.rate, next.rate),
      );
      quiet = next;
      result.variants[page.name] = {
        count: cold.variants.length,
        meaningful: cold.meaningful,
        responseKiB: round(cold.bytes / cold.variants.length / 1024, 1),
      };
      prepared.push({ page, cold: cold.variants, warm: warm.variants });
    }
    log('answers checked, store round trips counted; measuring');

    for (const { page, cold, warm } of prepared) {
      for (const [cache, variants] of [
        [false, cold],
        [true, warm],
      ] as const) {
        const row = await measurePage(
          ns,
          cache ? gateways.warm : gateways.cold,
          page,
          scale,
          cache,
          variants,
          options,
        );
        const count = counted.get(`${page.name}:${cache}`);
        if (count) {
          row.storeRequestsPerRequest = count.perRequest;
          row.counting = count.pass;
        }
        result.rows.push(row);
        onRow(row);
      }
    }

    // After the load runs: the comments change the answers their references hold.
    try {
      result.activityFreshness = await measureActivityFreshness(gateways, seeded, {
        comments: options.short ? 10 : 20,
        timeoutSeconds: 30,
      });
      const { cacheOff, cacheOn } = result.activityFreshness;
      log(
        `activity write-to-visible (${cacheOff.samples + cacheOff.misses} comments): cache off p50 ${Math.round(cacheOff.p50)} ms, ` +
          `p95 ${Math.round(cacheOff.p95)} ms; cache on p50 ${Math.round(cacheOn.p50)} ms, p95 ${Math.round(cacheOn.p95)} ms`,
      );
    } catch (error) {
      result.activityFreshnessError = (error as Error).message;
      log(`activity write-to-visible failed: ${result.activityFreshnessError}`);
    }
  } catch (error) {
    result.status = 'failed';
    result.reason = (error as Error).message;
  } finally {
    await graph.stop();
    track(undefined);
  }
  return result;
}

/** Every size in turn: its own reset, start, seed and measurements. */
export async function runGraphSuite(
  options: BenchOptions,
  log: Log,
  onRow: (row: GraphRow) => void,
): Promise<GraphSizeResult[]> {
  let current: RunningGraph | undefined;
  const onSignal = () => void Promise.resolve(current?.stop()).finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: GraphSizeResult[] = [];
  try {
    for (const scale of options.graph.scales) {
      const size = benchSeedSize(scale);
      log(
        `scale ${scale}: ${size.users} users, ${size.posts} posts, ${size.follows} follows, ${size.likes} likes, ` +
          `${size.products} products, ${size.orders} orders`,
      );
      const result = await runSize(scale, options, log, onRow, (graph) => {
        current = graph;
      });
      if (result.status !== 'ok') log(`scale ${scale} failed: ${result.reason?.split('\n')[0]}`);
      results.push(result);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return results;
}
