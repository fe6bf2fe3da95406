import { latencyField, REQUEST_LATENCY_BOUNDS_MS } from '@aetherial/subgraph-kit';
import type { GraphActivityBucket } from './generated/graphql.js';
import type { SeriesRange } from './ranges.js';

/**
 * The q-quantile of a cumulative histogram (`within[i]` of `total` answered within `bounds[i]`),
 * interpolated linearly inside the bucket it falls in, as Prometheus's histogram_quantile does;
 * beyond the last bound it is that bound (the histogram knows no more). Null without observations.
 */
export function histogramQuantile(
  q: number,
  bounds: readonly number[],
  within: readonly number[],
  total: number,
): number | null {
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < bounds.length; i += 1) {
    const count = within[i] ?? 0;
    if (count >= rank) {
      const inBucket = count - lowerCount;
      const share = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return lowerBound + (bounds[i]! - lowerBound) * share;
    }
    lowerBound = bounds[i]!;
    lowerCount = count;
  }
  return bounds[bounds.length - 1] ?? null;
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);

/** Every bucket of the range from the summed fields InfluxDB returned (absent ones empty). */
export function graphActivityBuckets(
  range: SeriesRange,
  sums: ReadonlyMap<number, ReadonlyMap<string, number>>,
): GraphActivityBucket[] {
  return range.starts.map((start) => {
    const fields = sums.get(start.getTime());
    const field = (name: string) => fields?.get(name) ?? 0;
    const requests = field('requests');
    const within = REQUEST_LATENCY_BOUNDS_MS.map((bound) => field(latencyField(bound)));
    return {
      start: start.toISOString(),
      requests,
      errors: field('errors'),
      meanLatencyMs: requests > 0 ? round(field('duration_ms_sum') / requests) : null,
      p50LatencyMs: round(histogramQuantile(0.5, REQUEST_LATENCY_BOUNDS_MS, within, requests)),
      p95LatencyMs: round(histogramQuantile(0.95, REQUEST_LATENCY_BOUNDS_MS, within, requests)),
    };
  });
}
