import { spawn, type ChildProcess } from 'node:child_process';
import type { LaunchSpec } from './variants.js';

export interface RunningProcess {
  pid: number;
  child: ChildProcess;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  outputTail(): string;
  stop(): Promise<void>;
}

const TAIL_BYTES = 4000;

/**
 * Starts a process in its own process group, so stop() reaches cluster workers and forks too:
 * SIGTERM to the group, SIGKILL after `graceMs`.
 */
export function startProcess(spec: LaunchSpec, graceMs = 5000): RunningProcess {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${spec.command} ${spec.args.join(' ')}`);
  const pid = child.pid;
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // group already gone
    }
  };
  return {
    pid,
    child,
    outputTail: () => tail,
    stop: async () => {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Workers of a cluster may outlive a primary that exited first.
      signalGroup('SIGKILL');
    },
  };
}

/** Resolves once `probe` succeeds; rejects after `timeoutMs` or when the process exits first. */
export async function waitUntilReady(
  running: RunningProcess,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { child } = running;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${running.outputTail()}`,
      );
    }
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not ready after ${timeoutMs / 1000} s:\n${running.outputTail()}`);
}
