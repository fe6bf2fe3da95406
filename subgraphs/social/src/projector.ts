import {
  isDeletion,
  startConsumer,
  type DomainEvent,
  type RunningConsumer,
  type EventsRedis,
} from '@aetherial/events';
import { isRetryableError } from 'neo4j-driver';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Graph } from './neo4j.js';
import { Projection, type PostState } from './projection.js';

const isoTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO-8601 time')
  .transform((value) => new Date(value).toISOString());

const eventSchema = z.object({
  type: z.string().min(1),
  entityId: z.string().min(1),
  version: z.number().int().positive(),
});

const postPayloadSchema = z.object({
  id: z.string().min(1),
  authorId: z.string().min(1),
  createdAt: isoTime,
  status: z.string().min(1),
});

export type ProjectionOutcome = 'applied' | 'stale' | 'ignored';

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
}

/** The event is readable but not what social needs: retried, then dead-lettered with this reason. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

function checkEvent(event: DomainEvent): void {
  const checked = eventSchema.safeParse(event);
  if (!checked.success)
    throw new InvalidEventError(`invalid ${event.type ?? 'event'}: ${describe(checked.error)}`);
}

function postState(event: DomainEvent): PostState {
  const payload = postPayloadSchema.safeParse(event.payload);
  if (!payload.success)
    throw new InvalidEventError(`invalid ${event.type} payload: ${describe(payload.error)}`);
  if (payload.data.id !== event.entityId) {
    throw new InvalidEventError(
      `invalid ${event.type}: payload.id ${payload.data.id} differs from entityId ${event.entityId}`,
    );
  }
  return { ...payload.data, version: event.version };
}

/** Applies one event to the graph; events social does not project are ignored. */
export async function projectEvent(projection: Projection, event: DomainEvent): Promise<ProjectionOutcome> {
  checkEvent(event);
  switch (event.type) {
    case 'PostCreated':
    case 'PostUpdated':
    case 'PostDeleted':
      // A deletion leaves a tombstone; drafts stay in the graph (their authors see them).
      if (isDeletion(event))
        return (await projection.deletePost(event.entityId, event.version)) ? 'applied' : 'stale';
      return (await projection.upsertPost(postState(event))) ? 'applied' : 'stale';
    case 'UserCreated':
      await projection.mergeUser(event.entityId);
      return 'applied';
    default:
      return 'ignored';
  }
}

/**
 * Neo4j down or restarting (ServiceUnavailable), a routing session gone (SessionExpired), a
 * deadlock or another Neo.TransientError: the driver marks all of them retryable. The projector
 * waits them out instead of counting them against the events.
 */
export const isNeo4jOutage = (error: unknown): boolean => isRetryableError(error);

export interface ProjectorOptions {
  graph: Graph;
  /** The consumer reads on a duplicate of it (blocking reads) and the lag on it. */
  redis: EventsRedis;
  log: Logger;
  stream: string;
  group: string;
  consumer: string;
  maxDeliveries?: number;
  maxRetryDelayMs?: number;
  claimIdleMs?: number;
  blockMs?: number;
}

/**
 * The `social-projector` consumer group on the shared consumer: keeps posts and users of the graph
 * in step with the events, in stream order. Returns at once: the group is joined once Redis
 * answers, and the subgraph serves meanwhile.
 */
export function startProjector(options: ProjectorOptions): RunningConsumer {
  const projection = new Projection(options.graph);
  const log = options.log.child({ component: 'projector' });
  const { redis, stream, group, consumer, maxDeliveries, maxRetryDelayMs, claimIdleMs, blockMs } = options;
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
    isTransient: isNeo4jOutage,
    handle: async (events) => {
      for (const event of events) {
        const outcome = await projectEvent(projection, event);
        log.debug({ eventId: event.eventId, outcome }, 'event projected');
      }
    },
  });
  let stopping = false;
  let running: RunningConsumer | undefined;
  starting.then(
    (started) => {
      running = started;
      if (stopping) void started.stop();
    },
    (error: unknown) => log.error({ err: error, group }, 'the social projector could not start'),
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
