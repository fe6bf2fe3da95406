/**
 * Load-generator child process: receives a LoadRequest over IPC, drives the gateway with autocannon
 * (a warm-up, then the measured run at constant concurrency), checks every response and sends a
 * LoadResult back. Runs apart from the gateway so the two do not share an event loop.
 */
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import autocannon, { type RequestOptions } from 'autocannon';

/** One request of the workload, with the gateway's checked answer to it. */
export interface LoadVariant {
  body: string;
  /** Extra request headers, e.g. a viewer's `authorization`. */
  headers?: Record<string, string>;
  /** The gateway's answer to this request, checked before the run. */
  referenceBody: string;
}

export interface LoadRequest {
  url: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  timeoutSeconds: number;
  /**
   * Sent in turn: one rotation shared by every connection, so consecutive requests (whichever
   * connection sends them) carry consecutive variants.
   */
  variants: LoadVariant[];
  /**
   * How a body that differs byte for byte from its variant's reference is judged. `same-data`:
   * parsed, it must equal the parsed reference (only key order or formatting may differ);
   * `data`: it must hold data and no errors. Default `same-data`.
   */
  check?: 'same-data' | 'data';
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

/**
 * Every response is compared byte for byte with its variant's reference answer (cheap: a string
 * compare). One that differs is parsed and judged by `mode` (a gateway that only orders keys
 * differently is not counted as failing, and that body is then known as correct); anything else is a
 * failure, by kind: HTTP status, not JSON, GraphQL errors, no data, wrong data.
 */
function responseChecker(variants: LoadVariant[], mode: 'same-data' | 'data') {
  const kinds: Record<string, number> = {};
  const alsoCorrect = variants.map(() => new Set<string>());
  const parsedReferences: unknown[] = [];
  let first: string | undefined;
  let failures = 0;
  const fail = (kind: string, body: string) => {
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    failures += 1;
    first ??= `${kind}: ${body.slice(0, 300)}`;
    return false;
  };
  return {
    kinds,
    failures: () => failures,
    firstFailure: () => first,
    check(variant: number, status: number, body: string): boolean {
      const reference = variants[variant]!.referenceBody;
      if (status === 200 && (body === reference || alsoCorrect[variant]!.has(body))) return true;
      if (status !== 200) return fail(`HTTP ${status}`, body);
      let parsed: { data?: unknown; errors?: unknown };
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        return fail(body.length === 0 ? 'empty body' : 'not JSON', body);
      }
      if (parsed.errors) return fail('GraphQL errors', body);
      if (parsed.data === undefined || parsed.data === null) return fail('no data', body);
      if (mode === 'same-data') {
        parsedReferences[variant] ??= JSON.parse(reference);
        if (!isDeepStrictEqual(parsed, parsedReferences[variant])) return fail('wrong data', body);
      }
      if (alsoCorrect[variant]!.size < 8) alsoCorrect[variant]!.add(body);
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
  const { variants } = request;
  let next = 0;
  const base: RequestOptions = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...variants[0]!.headers },
    body: variants[0]!.body,
    // autocannon keeps one context per connection; with one request in flight per connection it
    // still names the variant of the request being answered.
    onResponse: (status, body, context) => {
      checker.check(Number(context.variant ?? 0), status, body);
    },
  };
  const rotating: RequestOptions = {
    ...base,
    setupRequest: (req, context) => {
      const index = next++ % variants.length;
      context.variant = index;
      const variant = variants[index]!;
      return {
        ...req,
        body: variant.body,
        headers: { 'content-type': 'application/json', ...variant.headers },
      };
    },
  };
  const instance = autocannon({
    url: request.url,
    connections: request.connections,
    duration: seconds,
    timeout: request.timeoutSeconds,
    requests: [variants.length > 1 ? rotating : base],
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
  const mode = request.check ?? 'same-data';
  const warmupChecker = responseChecker(request.variants, mode);
  const warmup = await drive(request, request.warmupSeconds, warmupChecker);
  onMeasure();
  const checker = responseChecker(request.variants, mode);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { result, latencies, cacheStatus } = await drive(request, request.durationSeconds, checker);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const failures = result.errors + checker.failures();
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
    warmupFailures: warmup.result.errors + warmupChecker.failures(),
    loadGenCpu: round((cpu.user + cpu.system) / 1000 / elapsedMs),
    cacheStatus,
  };
}

type LoadMessage = { phase: 'measure' } | { ok: boolean; result?: LoadResult; error?: string };

/**
 * Runs the load generator as a child process (this file, forked); `onMeasure` is called when the
 * warm-up is over and the measured run starts.
 */
export function runLoadProcess(request: LoadRequest, onMeasure: () => void): Promise<LoadResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(import.meta.filename, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    let settled = false;
    child.on('message', (message: LoadMessage) => {
      if ('phase' in message) return onMeasure();
      settled = true;
      if (message.ok && message.result) resolvePromise(message.result);
      else reject(new Error(`load generator failed: ${message.error}`));
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`load generator exited with code ${code} without a result`));
    });
    child.send(request);
  });
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
