import type { Panel } from '../chart.js';
import type { Rgb } from '../png.js';
import { cacheShares, describeMachine, markdownTable, textTable, writeReportFiles } from '../report.js';
import { PAGES, SEARCH_TERMS, type PageName } from './queries.js';
import { STORES, type StoreName } from './store-requests.js';
import { MAX_PROFILES, MAX_VIEWERS, type GraphRow, type GraphSizeResult } from './suite.js';

export interface GraphRun {
  suite: 'graph';
  startedAt: string;
  finishedAt: string;
  mode: 'short' | 'full';
  settings: {
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    timeoutSeconds: number;
    scales: number[];
    seed: number;
    gatewayWorkers: number;
  };
  machine: ReturnType<typeof describeMachine>;
  /** Wall-clock seconds of the whole suite. */
  totalSeconds: number;
  sizes: GraphSizeResult[];
}

const STORE_LABELS: Record<StoreName, string> = {
  postgres: 'PG',
  mongodb: 'Mongo',
  neo4j: 'Neo4j',
  opensearch: 'OpenSearch',
  weaviate: 'Weaviate',
  influxdb: 'InfluxDB',
  redis: 'Redis',
};

const fixed = (value: number | undefined, digits = 1) => (value === undefined ? '–' : value.toFixed(digits));
const pageLabel = (name: PageName) => PAGES.find((page) => page.name === name)!.label;

/** "0.5 (500 users, 5000 posts)" */
export function sizeLabel(size: GraphSizeResult): string {
  return `${size.scale} (${size.size.users} users, ${size.size.posts} posts)`;
}

function storeCells(row: GraphRow): string[] {
  const counts = row.storeRequestsPerRequest;
  if (counts === undefined) return ['–', ...STORES.map(() => '–')];
  if (counts === null) return ['n/a', ...STORES.map(() => 'n/a')];
  const total = Object.values(counts).reduce((sum, value) => sum + value, 0);
  return [fixed(total), ...STORES.map((store) => fixed(counts[store]))];
}

const RESULT_HEAD = [
  'Page',
  'Data size',
  'Cache',
  'RPS',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'Failures',
  'Store round trips / request',
  ...STORES.map((store) => STORE_LABELS[store]),
];

function resultRows(sizes: GraphSizeResult[]): string[][] {
  const rows: string[][] = [];
  for (const page of PAGES) {
    for (const size of sizes) {
      for (const row of size.rows.filter((r) => r.page === page.name)) {
        const head = [page.label, sizeLabel(size), row.cache ? 'on (warm)' : 'off (cold)'];
        if (!row.load) {
          rows.push([...head, row.status, '–', '–', '–', '–', ...storeCells(row)]);
          continue;
        }
        const { load } = row;
        rows.push([
          ...head,
          fixed(load.rps),
          fixed(load.latencyMs.p50, 0),
          fixed(load.latencyMs.p95, 0),
          fixed(load.latencyMs.p99, 0),
          `${load.failures} / ${load.requests}`,
          ...storeCells(row),
        ]);
      }
    }
  }
  return rows;
}

/** The results table for the terminal. */
export function graphConsoleTable(sizes: GraphSizeResult[]): string {
  return textTable(RESULT_HEAD, resultRows(sizes), 3);
}

function subgraphCalls(row: GraphRow): string {
  const calls = row.subgraphCallsPerRequest;
  if (!calls) return calls === null ? 'n/a' : '–';
  const entries = Object.entries(calls).filter(([, n]) => n > 0);
  if (entries.length === 0) return '0';
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return `${total.toFixed(2)} (${entries
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n.toFixed(2)}`)
    .join(', ')})`;
}

const COLORS: Record<'cold' | 'warm', Rgb> = { cold: [45, 110, 200], warm: [46, 160, 90] };

function chartPanels(sizes: GraphSizeResult[]): Panel[] {
  return PAGES.map((page) => ({
    heading: page.label,
    bars: sizes.flatMap((size) =>
      size.rows
        .filter((row) => row.page === page.name && row.load)
        .map((row) => ({
          label: `scale ${size.scale}, cache ${row.cache ? 'on' : 'off'}`,
          value: row.load!.rps,
          note: `${row.load!.rps.toFixed(row.load!.rps < 10 ? 1 : 0)} rps`,
          color: COLORS[row.cache ? 'warm' : 'cold'],
        })),
    ),
  })).filter((panel) => panel.bars.length > 0);
}

/** Write-to-visible latency of activity per size (activity-freshness.ts). */
function activityFreshnessLines(sizes: GraphSizeResult[]): string[] {
  const measured = sizes.filter((size) => size.activityFreshness || size.activityFreshnessError);
  if (measured.length === 0) return [];
  const cells = (summary: { p50: number; p95: number; max: number; misses: number }) => [
    fixed(summary.p50, 0),
    fixed(summary.p95, 0),
    fixed(summary.max, 0),
    String(summary.misses),
  ];
  return [
    '## Activity: write to visible',
    '',
    'A comment added through the gateway (one at a time, each on another post), then `Post.stats.comments` polled ' +
      'every 25 ms through both gateways until it counts it: content’s outbox relay, the event stream, analytics’ ' +
      'recorder, InfluxDB, analytics, the gateway. Milliseconds from the mutation’s answer; the cached gateway held the ' +
      'post’s stats from right before the write, so its figure includes its invalidation by the event. A miss is a ' +
      'comment not visible within the timeout.',
    '',
    markdownTable(
      [
        'Data size',
        'Comments',
        'Cache off p50 ms',
        'p95 ms',
        'max ms',
        'misses',
        'Cache on p50 ms',
        'p95 ms',
        'max ms',
        'misses',
        'Load avg at start',
      ],
      measured.map((size) =>
        size.activityFreshness
          ? [
              sizeLabel(size),
              String(size.activityFreshness.comments),
              ...cells(size.activityFreshness.cacheOff),
              ...cells(size.activityFreshness.cacheOn),
              fixed(size.activityFreshness.loadAverage, 2),
            ]
          : [
              sizeLabel(size),
              `failed: ${(size.activityFreshnessError ?? '').slice(0, 200)}`,
              '',
              '',
              '',
              '',
              '',
              '',
              '',
              '',
              '',
            ],
      ),
      2,
    ),
    '',
  ];
}

function sizeTable(sizes: GraphSizeResult[]): string {
  return markdownTable(
    [
      'Scale',
      'Users',
      'Posts',
      'Comments',
      'Follows',
      'Likes',
      'Products',
      'Orders',
      'Events',
      'Reset s',
      'Start s',
      'Seed s (core / content / social)',
      'Read models caught up s',
    ],
    sizes.map((size) => [
      String(size.scale),
      String(size.size.users),
      String(size.size.posts),
      String(size.size.posts * (size.size.commentsPerPost ?? 1)),
      String(size.seeded?.follows ?? size.size.follows),
      String(size.seeded?.likes ?? size.size.likes),
      String(size.size.products),
      String(size.size.orders),
      String(size.events ?? '–'),
      fixed(size.resetSeconds),
      fixed(size.startSeconds),
      size.seedSeconds
        ? `${fixed(size.seedSeconds.total)} (${fixed(size.seedSeconds.core)} / ${fixed(size.seedSeconds.content)} / ${fixed(size.seedSeconds.social)})`
        : '–',
      fixed(size.catchUpSeconds),
    ]),
  );
}

/** "20 users follow each other all" when the follow graph is complete (small scales). */
function densityNotes(sizes: GraphSizeResult[]): string[] {
  return sizes
    .filter((size) => size.seeded && size.seeded.follows >= size.size.users * (size.size.users - 1))
    .map(
      (size) =>
        `- At scale ${size.scale} the ${size.size.users} users all follow each other (${size.seeded!.follows} ` +
        `follows, the most there can be), so recommendations (friends of friends not yet followed) are empty.`,
    );
}

function variantsLine(size: GraphSizeResult): string {
  const parts = PAGES.map((page) => {
    const v = size.variants?.[page.name];
    if (!v) return `${page.label}: –`;
    return `${page.label}: ${v.count} requests (${v.meaningful} ${page.name === 'search' ? 'with hits' : 'with posts'}), ${v.responseKiB} KiB per answer on average`;
  });
  return `- scale ${size.scale}: ${parts.join('; ')}`;
}

function backgroundLine(size: GraphSizeResult): string {
  if (!size.background) return `- scale ${size.scale}: –`;
  const rates = STORES.filter((store) => size.background!.perSecond[store] !== undefined).map(
    (store) => `${STORE_LABELS[store]} ${fixed(size.background!.perSecond[store], 1)}`,
  );
  return `- scale ${size.scale}: ${rates.length > 0 ? rates.join(', ') : 'no counters'} round trips/s over ${size.background.seconds} s idle`;
}

export function graphMarkdownReport(run: GraphRun, chartFile: string): string {
  const { settings, machine, sizes } = run;
  const rows = sizes.flatMap((size) => size.rows);
  const missing = [...new Set(sizes.flatMap((size) => size.countersMissing ?? []))];
  const counted = rows.some((row) => row.storeRequestsPerRequest);
  const lines = [
    `# Graph benchmark, ${run.startedAt.slice(0, 10)}${run.mode === 'short' ? ' (short mode)' : ''}`,
    '',
    `The whole Aetherial graph on its real stores — core (PostgreSQL), content (MongoDB protocol on FerretDB), ` +
      `social (Neo4j), search (OpenSearch), semantic (Weaviate), analytics (InfluxDB) and our gateway (Redis) — in the \`bench\` namespace ` +
      `(its own databases, Redis database, event stream, search alias and Weaviate collection), seeded at each size with ` +
      `\`seedGraph\` (seed ${settings.seed}), measured once every read model had applied every event.`,
    `Load: autocannon in its own process, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up, then ` +
      `${settings.durationSeconds} s measured per page, size and cache setting; each page's requests sent in turn ` +
      `(different users, viewers, search terms); every response checked against that request's answer before the run. ` +
      `Gateway: one worker (\`GATEWAY_WORKERS=1\`), response cache off (\`GATEWAY_CACHE=false\`, cold: every request ` +
      `executed) and on (warm: its cache filled by the check before the run and the warm-up).`,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. ` +
      `Stores, subgraphs, gateways and the load generator share these cores. Whole suite: ${Math.round(run.totalSeconds)} s.`,
    '',
    '## Data sizes',
    '',
    sizeTable(sizes),
    '',
    ...(densityNotes(sizes).length > 0 ? [...densityNotes(sizes), ''] : []),
    '## Results',
    '',
    markdownTable(RESULT_HEAD, resultRows(sizes), 3),
    '',
    `![Requests per second](${chartFile})`,
    '',
    ...activityFreshnessLines(sizes),
    counted
      ? `Store round trips per request: \`store_requests_total\` of the six subgraphs (counted at each store driver), ` +
        `summed by store, read before and after a counting pass — every request of the page sent once, one at a time, ` +
        `through that row's gateway (cache on: right after its cache was filled, so hits cost nothing) — minus the ` +
        `background of the idle windows around the pass, divided by the requests the gateway answered. Not taken from ` +
        `the load runs: the outbox relays of core and content poll PostgreSQL and MongoDB in the background, more ` +
        `slowly when those stores are busy, which does not subtract reliably from a cold run of a few dozen to a few ` +
        `hundred requests (the load runs' raw counts are in the JSON).` +
        (missing.length > 0 ? ` Not exposed by: ${missing.join(', ')} (their stores are not counted).` : '') +
        ` A store no subgraph counts shows "–".`
      : `Store round trips per request: n/a — no subgraph exposed \`store_requests_total\` on /metrics during this run.`,
    '',
    '## Details',
    '',
    markdownTable(
      [
        'Page',
        'Data size',
        'Cache',
        'x-cache',
        'Subgraph calls / request',
        'Warm-up requests',
        'Load avg at start',
        'Max ms',
      ],
      PAGES.flatMap((page) =>
        sizes.flatMap((size) =>
          size.rows
            .filter((row) => row.page === page.name)
            .map((row) => [
              page.label,
              sizeLabel(size),
              row.cache ? 'on' : 'off',
              cacheShares(row.load?.cacheStatus),
              subgraphCalls(row),
              row.load ? `${row.load.warmupRequests} (${row.load.warmupFailures} failed)` : '–',
              fixed(row.loadAverage, 2),
              fixed(row.load?.latencyMs.max, 0),
            ]),
        ),
      ),
      3,
    ),
    '',
    'Requests per page and size:',
    '',
    ...sizes.map(variantsLine),
    '',
    'Background store round trips of the idle graph (outbox relays polling, consumers waiting on the stream):',
    '',
    ...sizes.map(backgroundLine),
    '',
    '- RPS: responses per second of the measured run; failures (non-200, GraphQL errors, no data, data other than ' +
      "that request's checked answer, connection errors, timeouts) are counted separately, out of all responses.",
    '- Latency percentiles over every response of the measured run, at constant concurrency (each connection sends ' +
      'its next request when the previous one is answered), so they include queueing behind the other connections.',
    '- Subgraph calls / request: from the gateway’s own counters (`gateway_subgraph_duration_seconds_count`).',
    '- Read models caught up: from the end of the seed until the stream held every seeded event and search, semantic, ' +
      'social and the gateway cache invalidator had applied all of them (semantic computes an embedding per post).',
    '',
    '## Pages',
    '',
    ...PAGES.flatMap((page) => [
      `- **${page.label}** (${page.subgraphs}): ${
        page.name === 'profile' || page.name === 'profile-analytics'
          ? `anonymous; \`$id\` rotates over up to ${MAX_PROFILES} seeded users, spread evenly`
          : page.name === 'feed'
            ? `signed in through \`logIn\` (the seeded password); rotates over up to ${MAX_VIEWERS} viewers whose feed is not empty`
            : `anonymous; \`$query\`/\`$text\` rotate over ${SEARCH_TERMS.length} search terms and sentences (some with typos)`
      }.`,
    ]),
    '',
    'The queries are in `test/bench/graph/queries.ts`.',
  ];
  const failed = rows.filter((row) => row.status !== 'ok' || (row.load && row.load.failures > 0));
  const failedSizes = sizes.filter((size) => size.status !== 'ok');
  if (failed.length > 0 || failedSizes.length > 0) {
    lines.push('', '## Problems', '');
    for (const size of failedSizes)
      lines.push(
        `- **scale ${size.scale}** failed: ${(size.reason ?? '').slice(0, 800).replace(/\n/g, ' ')}`,
      );
    for (const row of failed) {
      const detail =
        row.reason ?? `${JSON.stringify(row.load?.failureKinds)}; first: ${row.load?.firstFailure ?? ''}`;
      lines.push(
        `- **${pageLabel(row.page)}, scale ${row.scale}, cache ${row.cache ? 'on' : 'off'}** (${row.status}): ` +
          detail.slice(0, 800).replace(/\n/g, ' '),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes graph-<date>[-short].{md,json,svg,png} into `dir`; returns the paths. */
export function writeGraphReport(run: GraphRun, dir: string): string[] {
  const base = `graph-${run.startedAt.slice(0, 10)}${run.mode === 'short' ? '-short' : ''}`;
  const chart = {
    title: 'Aetherial graph: requests/s per page, data size and response cache (higher is better)',
    subtitle: `${run.settings.connections} connections, ${run.settings.durationSeconds} s, ${run.machine.cpus} CPUs; blue cache off, green cache on`,
    panels: chartPanels(run.sizes),
  };
  return writeReportFiles(dir, base, run, chart, (png) => graphMarkdownReport(run, png));
}
