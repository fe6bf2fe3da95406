import { readFileSync } from 'node:fs';
import { processTree } from './rss.js';

/** Linux reports process CPU times in USER_HZ ticks, 100 per second on every common kernel config. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process tree has used so far. */
export function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/** Busy CPU seconds of the whole machine so far (all cores, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values.map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** Cores used by the gateway, the subgraphs and the rest of the machine between start() and stop(). */
export function cpuShares(gatewayPid: number, subgraphsPid: number) {
  const read = () => ({
    gateway: treeCpuSeconds(gatewayPid),
    subgraphs: treeCpuSeconds(subgraphsPid),
    machine: machineBusySeconds(),
    at: performance.now(),
  });
  const before = read();
  return {
    stop(loadGenCores: number) {
      const after = read();
      const seconds = (after.at - before.at) / 1000;
      const cores = (key: 'gateway' | 'subgraphs' | 'machine') => (after[key] - before[key]) / seconds;
      const round = (value: number) => Math.round(value * 100) / 100;
      return {
        gateway: round(cores('gateway')),
        subgraphs: round(cores('subgraphs')),
        loadGenerator: round(loadGenCores),
        other: round(Math.max(0, cores('machine') - cores('gateway') - cores('subgraphs') - loadGenCores)),
      };
    },
  };
}

export type CpuShares = ReturnType<ReturnType<typeof cpuShares>['stop']>;
