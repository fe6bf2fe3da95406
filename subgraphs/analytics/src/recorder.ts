import { startConsumer, type DomainEvent, type RunningConsumer, type EventsRedis } from '@aetherial/events';
import type { Point } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ID_PATTERN } from './ids.js';
import { isInfluxOutage, type Influx } from './influx.js';
import { applyPostChanges, knownPostsKey, postChanges } from './known-posts.js';
import { identityTime, postActivity, sale, signup, userActivity } from './points.js';
import { policiesFor, type RetentionDurations } from './rollups.js';
import type { RetentionPolicy } from './influx.js';

const id = z.string().regex(ID_PATTERN, 'not an id');

const eventSchema = z.object({
  eventId: z.string().min(1),
  type: z.string().min(1),
  entityId: z.string().min(1),
  occurredAt: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO-8601 time'),
});

const orderItems = z
  .array(
    z.object({
      productId: id,
      quantity: z.number().int().positive(),
      unitPriceCents: z.number().int().nonnegative(),
    }),
  )
  .max(1000);

const payloads = {
  PostCreated: z.object({ id, authorId: id }),
  CommentAdded: z.object({ id, postId: id, authorId: id }),
  PostLiked: z.object({ postId: id, userId: id }),
  PostUnliked: z.object({ postId: id, userId: id }),
  UserFollowed: z.object({ followerId: id, followeeId: id }),
  UserUnfollowed: z.object({ followerId: id, followeeId: id }),
  UserCreated: z.object({ id }),
  OrderPlaced: z.object({ id, buyerId: id, items: orderItems }),
  OrderStatusChanged: z.object({ id, buyerId: id, status: z.string().min(1), items: orderItems }),
};

type RecordedType = keyof typeof payloads;

const isRecorded = (type: string): type is RecordedType => Object.hasOwn(payloads, type);

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
}

/** The event is readable but not what analytics needs: retried, then dead-lettered with this reason. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** The buyer's order and one sale point per line, counted in (`sign` 1) or back out (-1). */
function orderPoints(
  buyerId: string,
  items: z.infer<typeof orderItems>,
  sign: 1 | -1,
  time: (position: string) => string,
): Point[] {
  return [
    userActivity(buyerId, 'order', sign, time('buyer')),
    ...items.map((item, index) =>
      sale(
        item.productId,
        sign * item.quantity,
        sign * item.quantity * item.unitPriceCents,
        time(`item${index}`),
      ),
    ),
  ];
}

/**
 * The points an event stands for, each at a time derived from the event's time and id (see
 * identityTime): writing them again writes the same points. Events analytics does not record give none.
 * An unlike, an unfollow or a cancelled order is a negative point, so sums are net counts (a
 * cancellation counts in the bucket it happened in, as a refund would).
 */
export function eventPoints(event: DomainEvent): Point[] {
  if (!isRecorded(event.type)) return [];
  const checked = eventSchema.safeParse(event);
  if (!checked.success) throw new InvalidEventError(`invalid ${event.type}: ${describe(checked.error)}`);
  const at = event.occurredAt;
  const time = (position: string) => identityTime(at, `${event.eventId}:${position}`);
  const parse = <T extends RecordedType>(type: T): z.infer<(typeof payloads)[T]> => {
    const payload = payloads[type].safeParse(event.payload);
    if (!payload.success) throw new InvalidEventError(`invalid ${type} payload: ${describe(payload.error)}`);
    return payload.data as z.infer<(typeof payloads)[T]>;
  };
  switch (event.type) {
    case 'PostCreated': {
      const post = parse('PostCreated');
      return [userActivity(post.authorId, 'post', 1, time('author'))];
    }
    case 'CommentAdded': {
      const comment = parse('CommentAdded');
      return [
        postActivity(comment.postId, 'comment', 1, time('post')),
        userActivity(comment.authorId, 'comment', 1, time('author')),
      ];
    }
    case 'PostLiked':
    case 'PostUnliked': {
      const like = parse(event.type);
      const delta = event.type === 'PostLiked' ? 1 : -1;
      return [
        postActivity(like.postId, 'like', delta, time('post')),
        userActivity(like.userId, 'like', delta, time('user')),
      ];
    }
    case 'UserFollowed':
    case 'UserUnfollowed': {
      const follow = parse(event.type);
      return [
        userActivity(follow.followerId, 'follow', event.type === 'UserFollowed' ? 1 : -1, time('follower')),
      ];
    }
    case 'UserCreated':
      parse('UserCreated');
      return [signup(time('signup'))];
    case 'OrderPlaced': {
      const order = parse('OrderPlaced');
      return orderPoints(order.buyerId, order.items, 1, time);
    }
    case 'OrderStatusChanged': {
      const change = parse('OrderStatusChanged');
      // Paid or shipped changes no count; only a cancellation takes the order back out.
      return change.status === 'CANCELLED' ? orderPoints(change.buyerId, change.items, -1, time) : [];
    }
  }
}

export interface RecorderOptions {
  influx: Influx;
  /** The consumer reads on a duplicate of it (blocking reads) and the lag on it. */
  redis: EventsRedis;
  log: Logger;
  stream: string;
  group: string;
  consumer: string;
  /** Prefix of this database's Redis keys (the known posts). */
  keyPrefix: string;
  /** Where a point of a given age goes (policiesFor). */
  retentions: RetentionDurations;
  maxDeliveries?: number;
  maxRetryDelayMs?: number;
  claimIdleMs?: number;
  blockMs?: number;
}

/**
 * The `analytics-recorder` consumer group: writes the activity points of every event, a batch of
 * events in one write. At-least-once delivery is safe because a point's identity is its series and
 * time (identityTime). An InfluxDB outage is waited out; a malformed event is dead-lettered.
 * Returns at once: the group is joined once Redis answers, and the subgraph serves meanwhile.
 */
export function startRecorder(options: RecorderOptions): RunningConsumer {
  const log = options.log.child({ component: 'recorder' });
  const {
    influx,
    redis,
    stream,
    group,
    consumer,
    keyPrefix,
    retentions,
    maxDeliveries,
    maxRetryDelayMs,
    claimIdleMs,
    blockMs,
  } = options;
  const starting = startConsumer({
    redis,
    stream,
    group,
    consumer,
    log,
    ...(maxDeliveries ? { maxDeliveries } : {}),
    ...(maxRetryDelayMs ? { maxRetryDelayMs } : {}),
    ...(claimIdleMs ? { claimIdleMs } : {}),
    ...(blockMs ? { blockMs } : {}),
    isTransient: isInfluxOutage,
    handle: async (events) => {
      const byPolicy = new Map<RetentionPolicy, Point[]>();
      let dropped = 0;
      for (const event of events) {
        const points = eventPoints(event);
        const policies = points.length > 0 ? policiesFor(Date.parse(event.occurredAt), retentions) : [];
        if (policies.length === 0) dropped += points.length;
        for (const policy of policies) byPolicy.set(policy, [...(byPolicy.get(policy) ?? []), ...points]);
      }
      for (const [policy, points] of byPolicy) await influx.write(policy, points);
      if (dropped > 0) log.debug({ dropped }, 'points older than every retention policy keeps: not written');
      await applyPostChanges(redis, knownPostsKey(keyPrefix), postChanges(events));
      log.debug({ events: events.length, policies: [...byPolicy.keys()] }, 'events recorded');
    },
  });
  let stopping = false;
  let running: RunningConsumer | undefined;
  starting.then(
    (started) => {
      running = started;
      if (stopping) void started.stop();
    },
    (error: unknown) => log.error({ err: error, group }, 'the analytics recorder could not start'),
  );
  return {
    lag: async () => (await starting).lag(),
    drained: async () => (await starting).drained(),
    // Does not wait for a start still waiting for Redis; that consumer stops as soon as it starts.
    stop: async () => {
      stopping = true;
      await running?.stop();
    },
  };
}
