import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { contextFor } from './context.js';
import { memoryMiB } from './memory.js';
import { isPortFree } from './ports.js';
import type { StoreDef } from './store.js';
import { exitOf, runningPid, startProcess, stopProcess, tailOfLog } from './supervisor.js';
import { isExternal, storeUrl } from './url.js';

export type StoreState = 'started' | 'running' | 'external' | 'stopped' | 'unreachable' | 'failed';

export interface StoreReport {
  store: string;
  url: string;
  state: StoreState;
  pid?: number;
  detail?: string;
}

export class StackError extends Error {}

/** The store's process ended before it answered (as opposed to answering too late). */
class ExitedDuringStartUp extends StackError {
  constructor(
    message: string,
    /** "exit code 1", "signal SIGKILL", or "" when this process did not start it. */
    readonly how: string,
  ) {
    super(message);
  }
}

async function probeOnce(store: StoreDef, url: URL): Promise<string | undefined> {
  try {
    await store.probe(url, contextFor(store));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function waitReady(store: StoreDef, url: URL, pid: number): Promise<void> {
  const ctx = contextFor(store);
  const deadline = Date.now() + store.readyTimeoutMs;
  let lastError = 'no answer yet';
  let nextNote = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (runningPid(store.name) !== pid) {
      const how = await exitOf(pid);
      throw new ExitedDuringStartUp(
        `${store.name} exited during start-up${how ? ` (${how})` : ''}.\n${tailOfLog(store.name)}\n` +
          `retry with: npm run stack -- up ${store.name}`,
        how ?? '',
      );
    }
    const error = await probeOnce(store, url);
    if (error === undefined) return;
    lastError = error;
    if (Date.now() > nextNote) {
      ctx.log(`waiting for readiness (${lastError})`);
      nextNote = Date.now() + 10_000;
    }
    await sleep(250);
  }
  throw new StackError(
    `${store.name} not ready after ${store.readyTimeoutMs / 1000}s (last probe: ${lastError}).\n` +
      `${tailOfLog(store.name)}\n` +
      `retry with: npm run stack -- up ${store.name}   (full log: npm run stack -- logs ${store.name})`,
  );
}

/** Brings one store up: leave external ones alone, reuse a running one, else install, init, start, wait. */
export async function up(store: StoreDef): Promise<StoreReport> {
  const url = storeUrl(store);
  const ctx = contextFor(store);
  const report = (state: StoreState, extra: Partial<StoreReport> = {}): StoreReport => ({
    store: store.name,
    url: url.toString(),
    state,
    ...extra,
  });
  if (isExternal(url)) {
    const error = await probeOnce(store, url);
    return error === undefined
      ? report('external', { detail: 'not managed here' })
      : report('unreachable', { detail: error });
  }
  const existing = runningPid(store.name);
  if (existing !== undefined) {
    await waitReady(store, url, existing);
    await store.afterReady?.(ctx, url);
    return report('running', { pid: existing, detail: 'already running' });
  }
  await store.install(ctx);
  for (const port of store.ports(url)) {
    if (!(await isPortFree(port))) {
      // The store may already run outside the stack (docker compose, a system service): use it, leave it alone.
      if ((await probeOnce(store, url)) === undefined) {
        return report('external', { detail: `already answering on :${port}, not started here; left alone` });
      }
      throw new StackError(
        `${store.name}: port ${port} on 127.0.0.1 is already in use by a process this stack did not start. ` +
          `Stop it, or point ${store.urlEnv} at another port (or at that store, if it is one you manage).`,
      );
    }
  }
  mkdirSync(ctx.storeDir, { recursive: true });
  await store.init?.(ctx, url);
  const started = Date.now();
  let pid = startProcess(store.name, await store.process(ctx, url));
  ctx.log(`started (pid ${pid}), waiting for readiness`);
  try {
    await waitReady(store, url, pid);
  } catch (error) {
    if (!(error instanceof ExitedDuringStartUp)) throw error;
    // Seen once in CI: FerretDB died right after start with nothing in its log. A second start
    // tells a passing accident from a real fault (which fails again, with the same message).
    ctx.log(`exited during start-up${error.how ? ` (${error.how})` : ''}; starting it once more in 1 s`);
    // A moment for whatever it met (a store it depends on still settling) to pass.
    await sleep(1000);
    pid = startProcess(store.name, await store.process(ctx, url));
    await waitReady(store, url, pid);
  }
  await store.afterReady?.(ctx, url);
  ctx.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return report('started', { pid });
}

export async function down(store: StoreDef): Promise<StoreReport> {
  const url = storeUrl(store);
  const base = { store: store.name, url: url.toString() };
  if (isExternal(url)) return { ...base, state: 'external', detail: 'not managed here' };
  const pid = runningPid(store.name);
  const stopped = await stopProcess(store.name, store.stopSignal ?? 'SIGTERM');
  return { ...base, state: 'stopped', detail: stopped ? `stopped pid ${pid}` : 'was not running' };
}

export async function status(store: StoreDef): Promise<StoreReport> {
  const url = storeUrl(store);
  const base = { store: store.name, url: url.toString() };
  if (isExternal(url)) {
    const error = await probeOnce(store, url);
    return error === undefined
      ? { ...base, state: 'external', detail: 'reachable' }
      : { ...base, state: 'unreachable', detail: error };
  }
  const pid = runningPid(store.name);
  if (pid === undefined) {
    const initialised =
      existsSync(contextFor(store).storeDir) && readdirSync(contextFor(store).storeDir).length > 0;
    return { ...base, state: 'stopped', detail: initialised ? 'data kept' : 'no data yet' };
  }
  const error = await probeOnce(store, url);
  const memory = memoryMiB(pid);
  const ready = memory === undefined ? 'ready' : `ready, ${memory} MiB`;
  return error === undefined
    ? { ...base, state: 'running', pid, detail: ready }
    : { ...base, state: 'running', pid, detail: `not ready: ${error}` };
}

/**
 * Brings stores up in parallel, each after the stores it depends on (which are brought up too,
 * even when not asked for by name).
 */
export function upAll(targets: StoreDef[], all: StoreDef[]): Promise<PromiseSettledResult<StoreReport>[]> {
  const launched = new Map<string, Promise<StoreReport>>();
  const launch = (store: StoreDef): Promise<StoreReport> => {
    const existing = launched.get(store.name);
    if (existing) return existing;
    const started = (async () => {
      for (const name of store.dependsOn ?? []) {
        const dependency = all.find((candidate) => candidate.name === name);
        if (!dependency) throw new StackError(`${store.name} depends on unknown store ${name}`);
        try {
          await launch(dependency);
        } catch {
          throw new StackError(`${store.name} needs ${name}, which did not come up`);
        }
      }
      return up(store);
    })();
    launched.set(store.name, started);
    return started;
  };
  return Promise.allSettled(targets.map(launch));
}
