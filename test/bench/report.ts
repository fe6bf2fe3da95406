import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { barChartPng, barChartSvg, type Bar, type BarChart, type Panel } from './chart.js';
import type { VariantResult } from './gateways/measure.js';
import type { GatewayKind } from './gateways/variants.js';
import type { BenchOptions } from './options.js';
import type { Rgb } from './png.js';

export interface GatewayRun {
  suite: 'gateways';
  startedAt: string;
  finishedAt: string;
  mode: 'short' | 'full';
  settings: {
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    rounds: number;
    timeoutSeconds: number;
    workers: number;
  };
  machine: { cpuModel: string; cpus: number; memoryGiB: number; node: string; platform: string };
  results: VariantResult[];
}

export function describeMachine(): GatewayRun['machine'] {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function runSettings(options: BenchOptions): GatewayRun['settings'] {
  return {
    durationSeconds: options.durationSeconds,
    warmupSeconds: options.warmupSeconds,
    connections: options.connections,
    rounds: options.rounds,
    timeoutSeconds: options.timeoutSeconds,
    workers: options.workers,
  };
}

const stockRps = (results: VariantResult[]) =>
  results.find((r) => r.variant.kind === 'apollo-stock' && r.load)?.load?.rps;

/** Hive Router's RPS with `processes` HTTP worker threads, the peer our rows are compared with. */
const hiveRouterRps = (results: VariantResult[], processes: number) =>
  results.find((r) => r.variant.kind === 'hive-router' && r.variant.processes === processes && r.load)?.load
    ?.rps;

const fixed = (value: number | undefined, digits = 1) => (value === undefined ? '–' : value.toFixed(digits));

/** "3.42x" against stock @apollo/gateway, or "–" without a stock measurement. */
function ratio(result: VariantResult, stock: number | undefined): string {
  if (!result.load || !stock) return '–';
  return `${(result.load.rps / stock).toFixed(2)}x`;
}

const TABLE_HEAD = [
  'Gateway',
  'Processes',
  'RPS',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'Failures',
  'Peak RSS MiB',
  'vs stock',
  'vs Hive Router',
];

function tableRows(results: VariantResult[]): string[][] {
  const stock = stockRps(results);
  return results.map((r) => {
    if (!r.load)
      return [r.variant.label, String(r.variant.processes), r.status, '–', '–', '–', '–', '–', '–', '–'];
    const { load } = r;
    return [
      r.variant.label,
      String(r.variant.processes),
      fixed(load.rps),
      fixed(load.latencyMs.p50),
      fixed(load.latencyMs.p95),
      fixed(load.latencyMs.p99),
      `${load.failures} / ${load.requests}`,
      fixed(r.peakRssMiB),
      ratio(r, stock),
      ratio(r, hiveRouterRps(results, r.variant.processes)),
    ];
  });
}

export function markdownTable(head: string[], rows: string[][], rightFrom = 1): string {
  const align = head.map((_, i) => (i >= rightFrom ? '---:' : ':---'));
  return [head, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** A table for the terminal: fixed-width columns, the first `leftColumns` aligned left. */
export function textTable(head: string[], body: string[][], leftColumns = 1): string {
  const rows = [head, ...body];
  const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The table for the terminal: fixed-width columns. */
export function consoleTable(results: VariantResult[]): string {
  return textTable(TABLE_HEAD, tableRows(results));
}

interface Goal {
  goal: string;
  subject: string;
  measured: string;
  met: boolean | undefined;
}

function goals(results: VariantResult[]): Goal[] {
  const stock = stockRps(results);
  const rps = (r: VariantResult | undefined) => r?.load?.rps;
  const out: Goal[] = [];
  // The no-dedupe variant is there to show what sharing in-flight queries adds, not a product setting.
  const ours = results.filter(
    (r) => r.variant.kind === 'ours' && r.variant.dedupe !== false && r.variant.policy !== false,
  );
  for (const r of ours) {
    const value = rps(r);
    const times = value !== undefined && stock ? value / stock : undefined;
    const target = r.variant.cache ? 10 : 3;
    out.push({
      goal: `${r.variant.cache ? 'cached' : 'uncached'}: at least ${target}x stock @apollo/gateway`,
      subject: r.variant.label,
      measured: times === undefined ? 'not measured' : `${times.toFixed(2)}x`,
      met: times === undefined ? undefined : times >= target,
    });
    if (!r.variant.cache) {
      const hive = results.find(
        (h) => h.variant.kind === 'hive' && h.variant.processes === r.variant.processes,
      );
      const hiveRps = rps(hive);
      out.push({
        goal: `uncached: ahead of Hive Gateway (same process count)`,
        subject: `${r.variant.label} vs ${hive?.variant.label ?? 'Hive Gateway'}`,
        measured:
          value === undefined || hiveRps === undefined
            ? 'not measured'
            : `${fixed(value)} vs ${fixed(hiveRps)} rps (${(value / hiveRps).toFixed(2)}x)`,
        met: value === undefined || hiveRps === undefined ? undefined : value > hiveRps,
      });
    }
    // The issue's goals against the fastest peer: its uncached speed, with the same process count.
    const router = results.find(
      (h) => h.variant.kind === 'hive-router' && h.variant.processes === r.variant.processes,
    );
    const routerRps = rps(router);
    const routerTarget = r.variant.cache ? 1.5 : 0.5;
    out.push({
      goal: `${r.variant.cache ? 'cached' : 'uncached'}: at least ${routerTarget}x Hive Router uncached (same process count)`,
      subject: `${r.variant.label} vs ${router?.variant.label ?? 'Hive Router'}`,
      measured:
        value === undefined || routerRps === undefined
          ? 'not measured'
          : `${fixed(value)} vs ${fixed(routerRps)} rps (${(value / routerRps).toFixed(2)}x)`,
      met: value === undefined || routerRps === undefined ? undefined : value / routerRps >= routerTarget,
    });
  }
  // What authorization and cost analysis cost per request: the same gateway with them switched off.
  const withPolicy = results.find((r) => r.variant.id === 'ours-nocache-1w');
  const withoutPolicy = results.find((r) => r.variant.id === 'ours-nopolicy-1w');
  const kept =
    rps(withPolicy) !== undefined && rps(withoutPolicy) ? rps(withPolicy)! / rps(withoutPolicy)! : undefined;
  out.push({
    goal: 'authorization + cost analysis: at most 5% of uncached throughput',
    subject: `${withPolicy?.variant.label ?? 'ours, cache off, 1 worker'} vs without them`,
    measured:
      kept === undefined
        ? 'not measured'
        : `${fixed(rps(withPolicy)!)} vs ${fixed(rps(withoutPolicy)!)} rps (${kept.toFixed(3)}x, overhead ${((1 - kept) * 100).toFixed(1)}%)`,
    met: kept === undefined ? undefined : kept >= 0.95,
  });
  return out;
}

const KIND_COLORS: Record<GatewayKind, Rgb> = {
  'apollo-stock': [128, 128, 128],
  hive: [232, 145, 38],
  'hive-router': [196, 64, 64],
  ours: [45, 110, 200],
};
const CACHED_COLOR: Rgb = [46, 160, 90];

/** "HIT 99.8%, BYPASS 0.2%" from the x-cache counts of a load run, or "–". */
export function cacheShares(cacheStatus: Record<string, number> | undefined): string {
  const counts = Object.entries(cacheStatus ?? {});
  const total = counts.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return '–';
  return counts
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${status} ${((n / total) * 100).toFixed(1)}%`)
    .join(', ');
}

function bar(r: VariantResult, stock: number | undefined): Bar {
  return {
    label: r.variant.label,
    value: r.load!.rps,
    note: `${fixed(r.load!.rps, 0)} rps${stock ? `  ${ratio(r, stock)}` : ''}`,
    color: r.variant.cache ? CACHED_COLOR : KIND_COLORS[r.variant.kind],
  };
}

/** Two panels with their own scales: the uncached gateways, then our cached ones (with stock for scale). */
export function chartPanels(results: VariantResult[]): Panel[] {
  const stock = stockRps(results);
  const measured = results.filter((r) => r.load);
  const uncached = measured.filter((r) => !r.variant.cache);
  const cached = measured.filter((r) => r.variant.cache);
  const stockResult = measured.find((r) => r.variant.kind === 'apollo-stock');
  const panels: Panel[] = [];
  if (uncached.length > 0)
    panels.push({ heading: 'Without a response cache', bars: uncached.map((r) => bar(r, stock)) });
  if (cached.length > 0) {
    const bars = [...(stockResult ? [stockResult] : []), ...cached].map((r) => bar(r, stock));
    panels.push({ heading: 'Our response cache on (Redis)', bars });
  }
  return panels;
}

export function markdownReport(run: GatewayRun, chartFile: string): string {
  const { settings, machine, results } = run;
  const responseBytes = results.find((r) => r.responseBytes)?.responseBytes;
  const lines = [
    `# Gateway benchmark, ${run.startedAt.slice(0, 10)}${run.mode === 'short' ? ' (short mode)' : ''}`,
    '',
    `Workload: the public federation gateway benchmark — four fixture subgraphs (accounts, inventory, products, reviews) ` +
      `and the nested \`TestQuery\` over users, reviews, products and authors` +
      (responseBytes ? ` (${(responseBytes / 1024).toFixed(1)} KiB per response).` : '.'),
    `Load: autocannon in its own process, ${settings.connections} connections, ${settings.warmupSeconds} s warm-up, ` +
      `then ${settings.durationSeconds} s measured; every response checked against the expected one.` +
      (settings.rounds > 1
        ? ` ${settings.rounds} rounds (all gateways once per round); the median round is shown.`
        : ''),
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}. ` +
      `Gateway, subgraphs and load generator share these cores.`,
    '',
    markdownTable(TABLE_HEAD, tableRows(results)),
    '',
    `![Requests per second](${chartFile})`,
    '',
    '## Goals',
    '',
    markdownTable(
      ['Goal', 'Gateway', 'Measured', 'Met'],
      goals(results).map((g) => [
        g.goal,
        g.subject,
        g.measured,
        g.met === undefined ? '–' : g.met ? 'yes' : '**no**',
      ]),
      9,
    ),
    '',
    '## Details',
    '',
    markdownTable(
      [
        'Gateway',
        'How it runs',
        'Startup s',
        'Warm-up requests',
        'CPU cores: gateway / subgraphs / load gen / other',
        'Load avg at start',
        'x-cache',
        'Subgraph requests per response',
        ...(settings.rounds > 1 ? ['RPS per round'] : []),
      ],
      results.map((r) => [
        r.variant.label,
        r.variant.describe,
        fixed(r.startupSeconds),
        r.load ? `${r.load.warmupRequests} (${r.load.warmupFailures} failed)` : '–',
        r.cpu
          ? `${fixed(r.cpu.gateway, 2)} / ${fixed(r.cpu.subgraphs, 2)} / ${fixed(r.cpu.loadGenerator, 2)} / ${fixed(r.cpu.other, 2)}`
          : '–',
        fixed(r.loadAverage, 2),
        cacheShares(r.load?.cacheStatus),
        fixed(r.subgraphRequestsPerResponse, 2),
        ...(settings.rounds > 1 ? [(r.roundsRps ?? []).map((v) => fixed(v)).join(', ')] : []),
      ]),
      2,
    ),
    '',
    '- RPS: completed responses per second of the measured run; failures (non-200, GraphQL errors, wrong data, ' +
      'connection errors, timeouts) are counted separately, out of all responses.',
    '- Latency percentiles over every response of the measured run.',
    '- CPU cores: average cores busy during the measured run — the gateway (all its processes), the fixture ' +
      'subgraphs, the load generator, and everything else on the machine (other work competes for the same cores).',
    '- x-cache: how our cached variants answered during the measured run (HIT from Redis, MISS executed and ' +
      'stored, BYPASS: Redis did not answer within GATEWAY_REDIS_TIMEOUT_MS, so the query was executed).',
    '- Subgraph requests per response: requests the fixture subgraphs served during the measured run divided ' +
      'by the gateway responses (lower means the gateway batched or deduplicated subgraph calls).',
    '- Peak RSS: highest sum of resident memory over the gateway process and its workers/forks, sampled every 200 ms.',
    '- Processes: stock @apollo/gateway and Hive Gateway without `--fork` are single processes; ours runs a cluster of ' +
      '`GATEWAY_WORKERS` processes (plus the primary, counted in its RSS). Hive Router is always one process; ' +
      'its count is its HTTP worker threads (`http.workers` in its config file).',
    '- vs Hive Router: RPS divided by Hive Router’s (uncached, it has no response cache) with the same count.',
  ];
  const failed = results.filter((r) => r.status !== 'ok' || (r.load && r.load.failures > 0));
  if (failed.length > 0) {
    lines.push('', '## Problems', '');
    for (const r of failed) {
      const detail =
        r.reason ?? `${JSON.stringify(r.load?.failureKinds)}; first: ${r.load?.firstFailure ?? ''}`;
      lines.push(`- **${r.variant.label}** (${r.status}): ${detail.slice(0, 800).replace(/\n/g, ' ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `<base>.json` (the run), `.svg` and `.png` (the chart) and `.md` (the report, which
 * embeds the PNG) into `dir`; returns the paths. Every suite reports this way.
 */
export function writeReportFiles(
  dir: string,
  base: string,
  run: unknown,
  chart: BarChart,
  markdown: (pngName: string) => string,
): string[] {
  mkdirSync(dir, { recursive: true });
  const files = {
    md: join(dir, `${base}.md`),
    json: join(dir, `${base}.json`),
    svg: join(dir, `${base}.svg`),
    png: join(dir, `${base}.png`),
  };
  writeFileSync(files.json, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(files.svg, barChartSvg(chart));
  writeFileSync(files.png, barChartPng(chart));
  writeFileSync(files.md, markdown(`${base}.png`));
  return Object.values(files);
}

/** Writes gateways-<date>[-short].{md,json,svg,png} into `dir`; returns the paths. */
export function writeGatewayReport(run: GatewayRun, dir: string): string[] {
  const base = `gateways-${run.startedAt.slice(0, 10)}${run.mode === 'short' ? '-short' : ''}`;
  const chart = {
    title: 'Gateway throughput on the federation benchmark query (requests/s, higher is better)',
    subtitle: `${run.settings.connections} connections, ${run.settings.durationSeconds} s, ${run.machine.cpus} CPUs; ratio vs stock @apollo/gateway`,
    panels: chartPanels(run.results),
  };
  return writeReportFiles(dir, base, run, chart, (png) => markdownReport(run, png));
}
