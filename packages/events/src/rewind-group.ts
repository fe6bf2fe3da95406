import { ensureGroup } from './consumer.js';
import { partitionStreams, type EventsRedis } from './partitions.js';

export interface RewoundPartition {
  stream: string;
  /** Entries the group will read again (what the stream still holds). */
  entries: number;
}

/**
 * Moves a consumer group back to the start of every partition of the log, creating it where it is
 * missing, so its consumers apply every event the log still holds again (a read model rebuilt from
 * the log). Pending entries stay pending and are reclaimed as usual.
 */
export async function rewindGroup(
  redis: EventsRedis,
  stream: string,
  group: string,
  partitions: number,
): Promise<RewoundPartition[]> {
  const rewound: RewoundPartition[] = [];
  for (const partition of partitionStreams(stream, partitions)) {
    await ensureGroup(redis, partition, group, '0');
    await redis.xgroup('SETID', partition, group, '0');
    rewound.push({ stream: partition, entries: await redis.xlen(partition) });
  }
  return rewound;
}
