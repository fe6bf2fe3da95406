import { spawn, execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logFile, pidFile } from './context.js';
import type { ProcessSpec } from './store.js';

interface PidRecord {
  pid: number;
  command: string;
  startedAt: string;
}

function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
  return { uid, gid };
}

/** How the processes this `up` started ended, by pid: a store that dies silently (a signal) is named so. */
const exits = new Map<number, string>();

/** Pids this process started (their 'exit' is reported here). */
const started = new Set<number>();

/**
 * How a process started by this process ended ("exit code 1", "signal SIGKILL"); undefined for
 * another's. A process that just died may not be reaped yet (a zombie, its /proc entry empty), so
 * this waits up to `waitMs` for its 'exit' to arrive.
 */
export async function exitOf(pid: number, waitMs = 2000): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  while (started.has(pid) && !exits.has(pid) && Date.now() < deadline) await sleep(20);
  return exits.get(pid);
}

/** Starts a store process detached in its own process group, output appended to its log, pid recorded. */
export function startProcess(name: string, spec: ProcessSpec): number {
  const log = logFile(name);
  mkdirSync(dirname(log), { recursive: true });
  mkdirSync(dirname(pidFile(name)), { recursive: true });
  const fd = openSync(log, 'a');
  const ids = spec.user && process.getuid?.() === 0 ? userIds(spec.user) : undefined;
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ['ignore', fd, fd],
    ...(ids ?? {}),
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${spec.command}`);
  const pid = child.pid;
  started.add(pid);
  child.once('exit', (code, signal) => exits.set(pid, signal ? `signal ${signal}` : `exit code ${code}`));
  child.unref();
  const record: PidRecord = { pid: child.pid, command: spec.command, startedAt: new Date().toISOString() };
  writeFileSync(pidFile(name), JSON.stringify(record));
  return child.pid;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the store process `up` started, if it still runs (a recycled pid running something else is ignored). */
export function runningPid(name: string): number | undefined {
  const file = pidFile(name);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  if (!isAlive(record.pid)) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    if (!cmdline.includes(record.command.split('/').pop() ?? record.command)) return undefined;
  } catch {
    // no /proc (not Linux): trust the pid
  }
  return record.pid;
}

/** Graceful stop: the store's signal to its process group, then SIGKILL after the grace period. */
export async function stopProcess(name: string, signal: NodeJS.Signals, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(name);
  if (pid === undefined) {
    rmSync(pidFile(name), { force: true });
    return false;
  }
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signalGroup(signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    signalGroup('SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
  rmSync(pidFile(name), { force: true });
  return true;
}

/** The last lines of a process's log under a header naming the file, for error messages. */
export function tailOfLog(name: string, lines = 30): string {
  const file = logFile(name);
  if (!existsSync(file)) return `(no log yet at ${file})`;
  return `--- last lines of ${file} ---\n${readFileSync(file, 'utf8')
    .split('\n')
    .slice(-lines - 1)
    .join('\n')}`;
}
