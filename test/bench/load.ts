/**
 * Load-generator child process: receives a LoadRequest over IPC, drives the gateway with autocannon
 * (a warm-up, then the measured run at constant concurrency), checks every response and sends a
 * LoadResult back. Runs apart from the gateway so the two do not share an event loop.
 */
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { BENCH_REQUEST_BODY, expectedResponse } from './fixtures/workload.js';

export interface LoadRequest {
  url: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** The gateway's own answer, checked against the expected response before the run. */
  referenceBody: string;
  timeoutSeconds: number;
}

export interface LoadResult {
  requests: number;
  durationSeconds: number;
  rps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  failures: number;
  failureKinds: Record<string, number>;
  firstFailure?: string;
  warmupRequests: number;
  warmupFailures: number;
  /** CPU the load generator used during the measured run, as a share of one core. */
  loadGenCpu: number;
  /** Responses of the measured run by their `x-cache` header (our gateway's HIT / MISS / BYPASS). */
  cacheStatus: Record<string, number>;
}

const expected = expectedResponse();

/**
 * Every response is compared byte for byte with the gateway's reference answer (cheap: a string
 * compare). One that differs is parsed and compared with the expected response, so a gateway that
 * only orders keys differently is not counted as failing (and that body is then known as correct);
 * anything else is a failure, by kind.
 */
function responseChecker() {
  const kinds: Record<string, number> = {};
  const alsoCorrect = new Set<string>();
  let first: string | undefined;
  const fail = (kind: string, body: string) => {
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    first ??= `${kind}: ${body.slice(0, 300)}`;
    return false;
  };
  return {
    kinds,
    firstFailure: () => first,
    check(reference: string, body: string): boolean {
      if (body === reference || alsoCorrect.has(body)) return true;
      let parsed: { data?: unknown; errors?: unknown };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return fail(body.length === 0 ? 'empty body' : 'not JSON', body);
      }
      if (parsed.errors) return fail('GraphQL errors', body);
      if (!isDeepStrictEqual(parsed, expected)) return fail('wrong data', body);
      if (alsoCorrect.size < 8) alsoCorrect.add(body);
      return true;
    },
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function drive(request: LoadRequest, seconds: number, checker: ReturnType<typeof responseChecker>) {
  const latencies: number[] = [];
  const cacheStatus: Record<string, number> = {};
  const instance = autocannon({
    url: request.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BENCH_REQUEST_BODY,
    connections: request.connections,
    duration: seconds,
    timeout: request.timeoutSeconds,
    verifyBody: (body) => checker.check(request.referenceBody, body),
    setupClient: (client) => {
      client.on('headers', ({ headers }) => {
        for (let i = 0; i < headers.length - 1; i += 2) {
          if (headers[i]!.toLowerCase() === 'x-cache')
            cacheStatus[headers[i + 1]!] = (cacheStatus[headers[i + 1]!] ?? 0) + 1;
        }
      });
    },
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  return { result, latencies: Float64Array.from(latencies).sort(), cacheStatus };
}

export async function runLoad(
  request: LoadRequest,
  onMeasure: () => void = () => undefined,
): Promise<LoadResult> {
  const warmupChecker = responseChecker();
  const warmup = await drive(request, request.warmupSeconds, warmupChecker);
  onMeasure();
  const checker = responseChecker();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { result, latencies, cacheStatus } = await drive(request, request.durationSeconds, checker);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const failures = result.errors + result.mismatches;
  const kinds = { ...checker.kinds };
  if (result.errors - result.timeouts > 0) kinds['connection errors'] = result.errors - result.timeouts;
  if (result.timeouts > 0) kinds.timeouts = result.timeouts;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    requests: latencies.length,
    durationSeconds: round(result.duration),
    rps: round(latencies.length / result.duration),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      p99: round(percentile(latencies, 99)),
      max: round(percentile(latencies, 100)),
    },
    failures,
    failureKinds: kinds,
    ...(checker.firstFailure() ? { firstFailure: checker.firstFailure() } : {}),
    warmupRequests: warmup.latencies.length,
    warmupFailures: warmup.result.errors + warmup.result.mismatches,
    loadGenCpu: round((cpu.user + cpu.system) / 1000 / elapsedMs),
    cacheStatus,
  };
}

// As a child process (forked by the runner): one request in, one result out.
if (process.send && resolve(process.argv[1] ?? '') === import.meta.filename) {
  process.once('disconnect', () => process.exit(1)); // the runner is gone: stop loading
  process.once('message', (message) => {
    runLoad(message as LoadRequest, () => process.send!({ phase: 'measure' })).then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (error: unknown) =>
        process.send!({ ok: false, error: String((error as Error).stack ?? error) }, () => process.exit(1)),
    );
  });
}
