import { loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { cpuShares, type CpuShares } from '../cpu.js';
import type { FixtureProcess } from '../fixtures/launch.js';
import { BENCH_REQUEST_BODY, expectedResponse } from '../fixtures/workload.js';
import { runLoadProcess, type LoadResult } from '../load.js';
import { sampleRss } from '../rss.js';
import { freePort } from '@aetherial/subgraph-kit';
import { startProcess, waitUntilReady, type RunningProcess } from './process.js';
import { launchSpec, type GatewayVariant, type LaunchContext } from './variants.js';

export interface VariantResult {
  variant: GatewayVariant;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  load?: LoadResult;
  peakRssMiB?: number;
  /** Gateway processes seen (primary + workers). */
  processes?: number;
  startupSeconds?: number;
  responseBytes?: number;
  /** Cores used during the measured run by the gateway, the subgraphs, the load generator and everything else. */
  cpu?: CpuShares;
  /** Subgraph requests during the measured run per gateway response (fewer: batching or deduplication). */
  subgraphRequestsPerResponse?: number;
  /** 1-minute load average of the machine when the variant started. */
  loadAverage: number;
  /** RPS of every round when run with --rounds; the result shown is the median round. */
  roundsRps?: number[];
}

export interface MeasureSettings {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  timeoutSeconds: number;
}

const READY_TIMEOUT_MS = 120_000;

async function postQuery(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BENCH_REQUEST_BODY,
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}

/** The gateway's answer, if it is the expected one; the second answer, so a cache is already warm. */
async function referenceAnswer(url: string): Promise<string> {
  await postQuery(url);
  const { status, body } = await postQuery(url);
  if (status !== 200) throw new Error(`preflight answered HTTP ${status}: ${body.slice(0, 500)}`);
  const parsed = JSON.parse(body) as { errors?: unknown; extensions?: unknown };
  if (parsed.errors)
    throw new Error(`preflight answered with errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  // Our gateway adds `extensions.cost` (the estimate demand control made); the data must match.
  const { extensions: _extensions, ...answer } = parsed;
  if (!isDeepStrictEqual(answer, expectedResponse()))
    throw new Error(`preflight answer differs from the expected response: ${body.slice(0, 300)}`);
  return body;
}

/**
 * One gateway, measured: start it as its own process (group), wait until it answers, check its
 * answer against the expected response, sample its memory while a separate load process drives
 * it, then stop it.
 */
export async function measureVariant(
  variant: GatewayVariant,
  context: Omit<LaunchContext, 'port'> & { fixtures: FixtureProcess },
  settings: MeasureSettings,
  track: (running: RunningProcess | undefined) => void,
): Promise<VariantResult> {
  const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const started = performance.now();
  const running = startProcess(launchSpec(variant, { ...context, port }));
  track(running);
  try {
    await waitUntilReady(running, async () => (await postQuery(url)).status === 200, READY_TIMEOUT_MS);
    const startupSeconds = Math.round((performance.now() - started) / 100) / 10;
    const referenceBody = await referenceAnswer(url);
    const rss = sampleRss(running.pid);
    let cpu: ReturnType<typeof cpuShares> | undefined;
    let subgraphRequestsBefore: Promise<number> | undefined;
    let load: LoadResult;
    try {
      load = await runLoadProcess(
        { url, variants: [{ body: BENCH_REQUEST_BODY, referenceBody }], ...settings },
        () => {
          cpu = cpuShares(running.pid, context.fixtures.pid);
          subgraphRequestsBefore = context.fixtures.requests();
        },
      );
    } finally {
      rss.stop();
    }
    const cores = cpu?.stop(load.loadGenCpu);
    const subgraphRequests = (await context.fixtures.requests()) - ((await subgraphRequestsBefore) ?? 0);
    return {
      variant,
      status: 'ok',
      load,
      peakRssMiB: rss.peakMiB(),
      processes: rss.peakProcesses(),
      startupSeconds,
      responseBytes: Buffer.byteLength(referenceBody),
      ...(cores ? { cpu: cores } : {}),
      subgraphRequestsPerResponse: Math.round((subgraphRequests / Math.max(load.requests, 1)) * 100) / 100,
      loadAverage,
    };
  } catch (error) {
    return { variant, status: 'failed', reason: (error as Error).message, loadAverage };
  } finally {
    await running.stop();
    track(undefined);
  }
}
