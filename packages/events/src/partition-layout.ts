import { groupPositions } from './event-log-trim.js';
import { partitionStreams, type EventsRedis } from './partitions.js';
import { isBefore, parseId } from './stream-replies.js';

/** Where the log records how many partitions it is split into (one small key beside its streams). */
export const partitionLayoutKey = (stream: string): string => `${stream}:partitions`;

/** A process runs with another EVENTS_PARTITIONS than the log it joins, which still holds events. */
export class PartitionLayoutError extends Error {
  override name = 'PartitionLayoutError';
}

/**
 * The streams of the `partitions` layout that still hold an event some consumer group has not
 * acknowledged (or that no group reads), so switching the layout now would split an entity's
 * events over two streams.
 */
export async function undrainedStreams(
  redis: EventsRedis,
  stream: string,
  partitions: number,
): Promise<string[]> {
  const undrained: string[] = [];
  for (const partition of partitionStreams(stream, partitions)) {
    const [last] = (await redis.xrevrange(partition, '+', '-', 'COUNT', 1)) as [string, string[]][];
    if (!last) continue;
    const positions = await groupPositions(redis, partition);
    // A group still needs an entry at or before the last one: it has not acknowledged everything.
    const lastId = parseId(last[0]);
    if (positions.length === 0 || positions.some((group) => !isBefore(lastId, parseId(group.needsFrom))))
      undrained.push(partition);
  }
  return undrained;
}

/** The command that changes the recorded count (scripts/set-partitions.ts). */
export const SET_PARTITIONS_COMMAND = 'npm run partitions -w @aetherial/events -- <N>';

/**
 * Every process that publishes to or reads the log calls this with its EVENTS_PARTITIONS: the
 * first records it, the same count joins, and any other is refused, naming both counts (relays of
 * two counts would put one entity's events in two streams, out of order, and consumers of one
 * count would not read the other's). The count changes only by `setPartitionLayout`, run by hand
 * once the log is drained, never by a process that happens to start with another count.
 */
export async function claimPartitionLayout(
  redis: EventsRedis,
  stream: string,
  partitions: number,
): Promise<void> {
  const key = partitionLayoutKey(stream);
  if ((await redis.set(key, String(partitions), 'NX')) === 'OK') return;
  const recorded = Number(await redis.get(key));
  if (recorded === partitions) return;
  throw new PartitionLayoutError(
    `EVENTS_PARTITIONS is ${partitions}, but the event log ${stream} is split into ${recorded} ` +
      `partitions: run every process with EVENTS_PARTITIONS=${recorded}. To change the count, stop ` +
      `the outbox relays, let the consumers catch up, run \`${SET_PARTITIONS_COMMAND}\`, then start ` +
      `every process with the new count.`,
  );
}

/**
 * Records a new partition count for the log, refused while the recorded layout still holds an
 * event some consumer group has not acknowledged (those events would be stranded in streams the
 * new count does not read). Returns the count it replaced (null when none was recorded).
 */
export async function setPartitionLayout(
  redis: EventsRedis,
  stream: string,
  partitions: number,
): Promise<number | null> {
  const key = partitionLayoutKey(stream);
  const recorded = await redis.get(key);
  if (recorded !== null && Number(recorded) !== partitions) {
    const undrained = await undrainedStreams(redis, stream, Number(recorded));
    if (undrained.length > 0)
      throw new PartitionLayoutError(
        `the event log ${stream} (${recorded} partitions) is not drained: ${undrained.join(', ')} ` +
          'still hold events not every consumer group has acknowledged. Stop the outbox relays and ' +
          'wait until the consumers caught up.',
      );
  }
  await redis.set(key, String(partitions));
  return recorded === null ? null : Number(recorded);
}
