import { parseEventFields, type DomainEvent } from '@aetherial/events';
import type { Redis } from 'ioredis';
import { isRetryableError } from 'neo4j-driver';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Graph } from './neo4j.js';
import { Projection, type PostState } from './projection.js';
import {
  PoisonEntryError,
  startStreamConsumer,
  type RunningConsumer,
  type StreamEntry,
} from './stream-consumer.js';

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

function readEvent(entry: StreamEntry): DomainEvent {
  let event: DomainEvent;
  try {
    event = parseEventFields(entry.fields);
  } catch (error) {
    throw new PoisonEntryError(`unreadable event: ${error instanceof Error ? error.message : String(error)}`);
  }
  const checked = eventSchema.safeParse(event);
  if (!checked.success)
    throw new PoisonEntryError(`invalid ${event.type ?? 'event'}: ${describe(checked.error)}`);
  return event;
}

function postState(event: DomainEvent): PostState {
  const payload = postPayloadSchema.safeParse(event.payload);
  if (!payload.success)
    throw new PoisonEntryError(`invalid ${event.type} payload: ${describe(payload.error)}`);
  if (payload.data.id !== event.entityId) {
    throw new PoisonEntryError(
      `invalid ${event.type}: payload.id ${payload.data.id} differs from entityId ${event.entityId}`,
    );
  }
  return { ...payload.data, version: event.version };
}

/** Applies one stream entry to the graph; events social does not project are ignored. */
export async function projectEntry(projection: Projection, entry: StreamEntry): Promise<ProjectionOutcome> {
  const event = readEvent(entry);
  switch (event.type) {
    case 'PostCreated':
    case 'PostUpdated':
      return (await projection.upsertPost(postState(event))) ? 'applied' : 'stale';
    case 'PostDeleted':
      return (await projection.deletePost(event.entityId, event.version)) ? 'applied' : 'stale';
    case 'UserCreated':
      await projection.mergeUser(event.entityId);
      return 'applied';
    default:
      return 'ignored';
  }
}

export interface ProjectorOptions {
  graph: Graph;
  /** A connection of its own (blocking reads). */
  redis: Redis;
  log: Logger;
  stream: string;
  group: string;
  consumer: string;
  maxDeliveries?: number;
  retryAfterMs?: number;
  claimAfterMs?: number;
  blockMs?: number;
}

/** The `social-projector` consumer group: keeps posts and users of the graph in step with the events. */
export function startProjector(options: ProjectorOptions): RunningConsumer {
  const projection = new Projection(options.graph);
  const log = options.log.child({ component: 'projector' });
  return startStreamConsumer({
    ...options,
    log,
    handle: async (entry) => {
      const outcome = await projectEntry(projection, entry);
      log.debug({ entryId: entry.id, outcome }, 'event projected');
    },
    // Neo4j down or a deadlock: wait for it rather than dead-letter good events.
    isTransient: (error) => error instanceof Error && isRetryableError(error),
  });
}
