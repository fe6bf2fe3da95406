import { createHash } from 'node:crypto';
import { Point } from '@influxdata/influxdb-client';
import { latencyField, REQUEST_LATENCY_BOUNDS_MS, REQUEST_SERIES_MEASUREMENT } from '@aetherial/subgraph-kit';

const NANOS_PER_MS = 1_000_000n;

/**
 * What one gateway process answered during one flush window: counts and a cumulative latency
 * histogram, which sum across windows, processes and InfluxDB's rollups (unlike percentiles).
 */
export class RequestWindow {
  requests = 0;
  errors = 0;
  private durationMsSum = 0;
  /** within[i]: requests answered within REQUEST_LATENCY_BOUNDS_MS[i]. */
  private readonly within = REQUEST_LATENCY_BOUNDS_MS.map(() => 0);

  record(durationMs: number, failed: boolean): void {
    this.requests += 1;
    if (failed) this.errors += 1;
    this.durationMsSum += durationMs;
    for (
      let i = REQUEST_LATENCY_BOUNDS_MS.length - 1;
      i >= 0 && durationMs <= REQUEST_LATENCY_BOUNDS_MS[i]!;
      i -= 1
    )
      this.within[i]! += 1;
  }

  /**
   * The window as one point at `at` (the end of the window). Points carry no tag, so the time
   * tells processes apart: the millisecond plus an offset below one millisecond from the
   * process's identity and the window's number (two processes collide only if they flush in the
   * same millisecond with equal 20-bit offsets, about one in a million).
   */
  toPoint(at: number, identity: string): Point {
    const offset = createHash('sha256').update(identity).digest().readUInt32BE(0) % 1_000_000;
    const point = new Point(REQUEST_SERIES_MEASUREMENT)
      .intField('requests', this.requests)
      .intField('errors', this.errors)
      .floatField('duration_ms_sum', this.durationMsSum)
      .timestamp(String(BigInt(at) * NANOS_PER_MS + BigInt(offset)));
    REQUEST_LATENCY_BOUNDS_MS.forEach((bound, i) => point.intField(latencyField(bound), this.within[i]!));
    return point;
  }
}
