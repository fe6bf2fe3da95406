import { readFileSync } from 'node:fs';

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function pssKiB(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Memory of a store: the proportional set size of its process and its children (PostgreSQL's
 * backends share its buffers; summing their RSS would count them many times). Linux only.
 */
export function memoryMiB(pid: number): number | undefined {
  const all = [pid, ...childrenOf(pid)];
  const total = all.reduce((sum, id) => sum + pssKiB(id), 0);
  return total > 0 ? Math.round(total / 1024) : undefined;
}
