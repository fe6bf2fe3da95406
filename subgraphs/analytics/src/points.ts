import { createHash } from 'node:crypto';
import { Point } from '@influxdata/influxdb-client';
import type { Measurement } from './rollups.js';

/** Metrics of the `post_activity` measurement (tag `metric`). */
export type PostMetricTag = 'view' | 'like' | 'comment';
/** Metrics of the `user_activity` measurement (tag `metric`). */
export type UserMetricTag = 'post' | 'comment' | 'like' | 'follow' | 'order' | 'view';

const NANOS_PER_MS = 1_000_000n;

/**
 * The point's time in nanoseconds: the millisecond of the event plus an offset below one
 * millisecond taken from the point's identity (event id and position in the event). A redelivered
 * event gets the same times, so its points replace themselves (same series and time) instead of
 * counting twice; two different events in the same series and millisecond collide only if their
 * 20-bit offsets are equal (about one in a million).
 */
export function identityTime(at: Date | string, identity: string): string {
  const ms = BigInt(typeof at === 'string' ? Date.parse(at) : at.getTime());
  const offset = createHash('sha256').update(identity).digest().readUInt32BE(0) % 1_000_000;
  return String(ms * NANOS_PER_MS + BigInt(offset));
}

export function postActivity(postId: string, metric: PostMetricTag, count: number, time: string): Point {
  return measurementPoint('post_activity')
    .tag('post', postId)
    .tag('metric', metric)
    .intField('count', count)
    .timestamp(time);
}

export function userActivity(userId: string, metric: UserMetricTag, count: number, time: string): Point {
  return measurementPoint('user_activity')
    .tag('user', userId)
    .tag('metric', metric)
    .intField('count', count)
    .timestamp(time);
}

export function sale(productId: string, units: number, revenueCents: number, time: string): Point {
  return measurementPoint('sales')
    .tag('product', productId)
    .intField('units', units)
    .intField('revenue_cents', revenueCents)
    .timestamp(time);
}

export function signup(time: string): Point {
  return measurementPoint('signups').intField('count', 1).timestamp(time);
}

const measurementPoint = (measurement: Measurement) => new Point(measurement);
