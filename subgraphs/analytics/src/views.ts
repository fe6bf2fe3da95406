import type { EventsRedis } from '@aetherial/events';
import { badUserInput, graphQLError } from '@aetherial/subgraph-kit';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ViewInput } from './generated/graphql.js';
import { isEntityId } from './ids.js';
import { knownPostsKey } from './known-posts.js';
import { identityTime, postActivity, userActivity } from './points.js';
import type { AnalyticsStore } from './store.js';

/** Most views one recordViews call may carry. */
export const MAX_VIEWS_PER_CALL = 100;

const ANONYMOUS_ID = /^[A-Za-z0-9_-]{8,64}$/;

export interface ViewOutcome {
  recorded: number;
  duplicates: number;
  /** Views of posts analytics has no PostCreated for (unknown or deleted): never written. */
  ignored: number;
}

export interface ViewRecorderOptions {
  redis: EventsRedis;
  store: AnalyticsStore;
  /** Prefix of this database's Redis keys (known posts, dedupe marks, rate limits). */
  keyPrefix: string;
  dedupeSeconds: number;
  viewsPerMinute: number;
}

/**
 * Views reported by frontends. Each call is checked (size, ids), rate-limited per viewer (points =
 * views, rate-limiter-flexible on Redis; anonymous viewers also share one limit 10x larger, so
 * rotating anonymous ids does not lift it), then every view is deduplicated in one Redis round trip
 * (SET NX with the window as expiry, per viewer and post) and only views of known posts are
 * written to InfluxDB, in one request. Unknown post ids are dropped so a client cannot create
 * series at will.
 */
export class ViewRecorder {
  private readonly perViewer: RateLimiterRedis;
  private readonly allAnonymous: RateLimiterRedis;

  constructor(private readonly options: ViewRecorderOptions) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: options.redis,
        keyPrefix: `${options.keyPrefix}:rate:${name}`,
        points,
        duration: 60,
      });
    this.perViewer = limiter('viewer', options.viewsPerMinute);
    this.allAnonymous = limiter('anonymous', options.viewsPerMinute * 10);
  }

  async record(viewerId: string | null, views: readonly ViewInput[], now = new Date()): Promise<ViewOutcome> {
    if (views.length > MAX_VIEWS_PER_CALL)
      throw badUserInput('views', `at most ${MAX_VIEWS_PER_CALL} views a call, got ${views.length}`);
    views.forEach((view, index) => {
      if (!isEntityId(view.postId)) throw badUserInput(`views[${index}].postId`, 'not a valid post id');
      if (viewerId === null && view.anonymousId != null && !ANONYMOUS_ID.test(view.anonymousId))
        throw badUserInput(`views[${index}].anonymousId`, '8 to 64 letters, digits, - or _');
    });
    if (views.length === 0) return { recorded: 0, duplicates: 0, ignored: 0 };

    // A signed-in viewer is the user; an anonymous one the browser's id, or else all id-less
    // anonymous viewers together (their repeated views of a post count once: an under-count, never inflation).
    const viewerKeyOf = (view: ViewInput) =>
      viewerId !== null ? `user:${viewerId}` : view.anonymousId ? `anon:${view.anonymousId}` : 'anon';
    await this.limit(viewerId, [...new Set(views.map(viewerKeyOf))], views.length);

    const { redis, keyPrefix, dedupeSeconds, store } = this.options;
    const pipeline = redis.pipeline();
    pipeline.hmget(knownPostsKey(keyPrefix), ...views.map((view) => view.postId));
    for (const view of views)
      pipeline.set(`${keyPrefix}:seen:${viewerKeyOf(view)}:${view.postId}`, '1', 'EX', dedupeSeconds, 'NX');
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    const known = (replies[0]![1] as (string | null)[]).map((version) => Number(version ?? 0) > 0);

    const points = [];
    let duplicates = 0;
    let ignored = 0;
    for (const [index, view] of views.entries()) {
      if (!known[index]) {
        ignored += 1;
        continue;
      }
      if (replies[index + 1]![1] !== 'OK') {
        duplicates += 1;
        continue;
      }
      const time = identityTime(now, `view:${viewerKeyOf(view)}:${view.postId}:${now.getTime()}`);
      points.push(postActivity(view.postId, 'view', 1, time));
      if (viewerId !== null) points.push(userActivity(viewerId, 'view', 1, time));
    }
    await store.writeViews(points);
    return { recorded: views.length - duplicates - ignored, duplicates, ignored };
  }

  private async limit(viewerId: string | null, viewerKeys: string[], views: number): Promise<void> {
    try {
      for (const key of viewerKeys) await this.perViewer.consume(key, views);
      if (viewerId === null) await this.allAnonymous.consume('all', views);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw graphQLError(
        'RATE_LIMITED',
        `too many views reported; retry in ${Math.ceil(error.msBeforeNext / 1000)} s`,
        {
          retryAfterSeconds: Math.ceil(error.msBeforeNext / 1000),
        },
      );
    }
  }
}
