import { readdirSync, readFileSync } from 'node:fs';

/** The process and all its descendants (cluster workers, forks), from /proc/<pid>/task/<tid>/children. */
export function processTree(root: number): number[] {
  const all: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    all.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tasks) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
          if (child.trim()) queue.push(Number(child));
        }
      } catch {
        // task gone
      }
    }
  }
  return all;
}

function residentKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export interface RssSampler {
  /** Highest total resident memory of the tree seen so far, in MiB. */
  peakMiB(): number;
  /** Most processes seen in the tree at once. */
  peakProcesses(): number;
  stop(): void;
}

/**
 * Samples the summed VmRSS of a process tree every `intervalMs`. Summing per-process peaks (VmHWM)
 * would overstate a cluster whose workers peak at different times, so the total is sampled instead.
 */
export function sampleRss(root: number, intervalMs = 200): RssSampler {
  let peakKiB = 0;
  let processes = 0;
  const sample = () => {
    const tree = processTree(root);
    processes = Math.max(processes, tree.length);
    peakKiB = Math.max(
      peakKiB,
      tree.reduce((sum, pid) => sum + residentKiB(pid), 0),
    );
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    peakMiB: () => Math.round((peakKiB / 1024) * 10) / 10,
    peakProcesses: () => processes,
    stop: () => {
      sample();
      clearInterval(timer);
    },
  };
}
