/** Nearest-rank percentile of an ascending-sorted list; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p95: number;
  max: number;
  misses: number;
}

export function summarise(latencies: (number | null)[]): LatencySummary {
  const found = latencies.filter((value): value is number => value !== null).sort((a, b) => a - b);
  return {
    samples: found.length,
    p50: percentile(found, 50),
    p95: percentile(found, 95),
    max: found.length ? found[found.length - 1]! : Number.NaN,
    misses: latencies.length - found.length,
  };
}

export const ms = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(0));
