import type { Cluster, Redis } from 'ioredis';

/** A Redis client of the event log: one Redis, or a Redis Cluster through ioredis' cluster client. */
export type EventsRedis = Redis | Cluster;

/**
 * How many streams the event log is split into (`EVENTS_PARTITIONS`, default 1: today's single
 * stream). Each entity's events go to one partition, so they stay in order; a Redis Cluster spreads
 * the partitions over its masters, so publishing and consuming grow with the nodes.
 */
export function eventPartitions(value = process.env.EVENTS_PARTITIONS): number {
  if (value === undefined || value === '') return 1;
  const partitions = Number(value);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024)
    throw new Error(`EVENTS_PARTITIONS must be a whole number from 1 to 1024, got "${value}"`);
  return partitions;
}

/**
 * The streams of a log: the stream itself when there is one partition (nothing changes), else
 * `<stream>:{p<n>}` for each. The hash tag gives each partition a slot of its own on a cluster, and
 * its dead letters (`<stream>:{p<n>}:dead`) the same slot, as the consumer moves an entry there and
 * acknowledges it in one MULTI.
 */
export function partitionStreams(stream: string, partitions: number): string[] {
  if (partitions <= 1) return [stream];
  return Array.from({ length: partitions }, (_, partition) => `${stream}:{p${partition}}`);
}

/**
 * FNV-1a, 32 bits: cheap and the same in every process, so every relay puts an entity in the same
 * partition (and the gateway's response store an operation in the same cache shard).
 */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The partition of an entity (`Post` `42`): all its events, from any writer, go there. */
export function partitionOf(entity: string, entityId: string, partitions: number): number {
  return partitions <= 1 ? 0 : stableHash(`${entity}:${entityId}`) % partitions;
}
