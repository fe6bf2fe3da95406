/**
 * Child processes of the deployment tests: each in its own process group, so the test can stop a
 * process and everything it started (npm → tsx → the services) even when an assertion failed.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Launched {
  name: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
}

const launched = new Set<Launched>();

export function launch(
  name: string,
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'cwd' | 'env'>,
): Launched {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const process = { name, child, output: () => output };
  launched.add(process);
  return process;
}

export function tail(process: Launched, lines = 40): string {
  return `--- ${process.name} (last ${lines} lines) ---\n${process.output().split('\n').slice(-lines).join('\n')}`;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Stopped {
  /** The leader's exit code (null when a signal ended it). */
  code: number | null;
  /** Some process of the group was still alive after the grace period and had to be killed. */
  killed: boolean;
}

/**
 * Sends `signal` to the process group, waits up to `graceMs` for every member to exit, then kills
 * what is left.
 */
export async function stop(
  target: Launched,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 20_000,
): Promise<Stopped> {
  const pid = target.child.pid;
  launched.delete(target);
  if (pid === undefined) return { code: target.child.exitCode, killed: false };
  const exited = new Promise<number | null>((resolve) => {
    if (target.child.exitCode !== null || target.child.signalCode !== null) resolve(target.child.exitCode);
    else target.child.once('exit', (code) => resolve(code));
  });
  if (groupAlive(pid)) process.kill(-pid, signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(200);
  const killed = groupAlive(pid);
  if (killed) process.kill(-pid, 'SIGKILL');
  return { code: await exited, killed };
}

/** For afterAll: kills every process group a test launched and did not stop itself. */
export async function stopAll(): Promise<void> {
  await Promise.all([...launched].map((each) => stop(each, 'SIGTERM', 10_000)));
}

/** Polls `url` until it answers 2xx; fails early with the log when the process exits. */
export async function waitUntilOk(url: string, target: Launched, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (target.child.exitCode !== null) {
      throw new Error(
        `${target.name} exited (${target.child.exitCode}) before ${url} answered\n${tail(target)}`,
      );
    }
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s\n${tail(target)}`);
}

/** Waits until the process printed a line matching `pattern`; resolves with the match. */
export async function waitForOutput(
  target: Launched,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = target.output().match(pattern);
    if (match) return match;
    if (target.child.exitCode !== null) {
      throw new Error(
        `${target.name} exited (${target.child.exitCode}) before printing ${pattern}\n${tail(target)}`,
      );
    }
    await sleep(250);
  }
  throw new Error(`${target.name} did not print ${pattern} within ${timeoutMs / 1000}s\n${tail(target)}`);
}

export async function postGraphQL<TData>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; data?: TData; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}
