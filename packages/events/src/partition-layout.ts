import { groupPositions } from './event-log-trim.js';
import { partitionStreams, type EventsRedis } from './partitions.js';

/** Where the log records how many partitions it is split into (one small key beside its streams). */
export const partitionLayoutKey = (stream: string): string => `${stream}:partitions`;

/** A process runs with another EVENTS_PARTITIONS than the log it joins, which still holds events. */
export class PartitionLayoutError extends Error {
  override name = 'PartitionLayoutError';
}

const entryIdParts = (id: string): [number, number] => {
  const [ms = '0', seq = '0'] = id.split('-');
  return [Number(ms), Number(seq)];
};
const notAfter = (a: string, b: string): boolean => {
  const [am, as] = entryIdParts(a);
  const [bm, bs] = entryIdParts(b);
  return am < bm || (am === bm && as <= bs);
};

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
    if (positions.length === 0 || positions.some((group) => notAfter(group.needsFrom, last[0])))
      undrained.push(partition);
  }
  return undrained;
}

/**
 * Every process that publishes to or reads the log calls this with its EVENTS_PARTITIONS: the
 * first records it; a different count is refused while the recorded layout still holds events
 * not every group acknowledged (relays of both counts would put one entity's events in two
 * streams, out of order, and consumers of one count would not read the other's). Once the log is
 * drained the new count replaces the old one, so a deliberate change needs only the relays
 * stopped until the consumers caught up.
 */
export async function claimPartitionLayout(
  redis: EventsRedis,
  stream: string,
  partitions: number,
): Promise<void> {
  const key = partitionLayoutKey(stream);
  for (;;) {
    const recorded = await redis.get(key);
    if (recorded === null) {
      if ((await redis.set(key, String(partitions), 'NX')) === 'OK') return;
      continue; // another process recorded one meanwhile: compare with that
    }
    const current = Number(recorded);
    if (current === partitions) return;
    const undrained = await undrainedStreams(redis, stream, current);
    if (undrained.length > 0)
      throw new PartitionLayoutError(
        `EVENTS_PARTITIONS is ${partitions}, but the event log ${stream} is split into ${current} ` +
          `partitions and ${undrained.join(', ')} still hold events not every consumer group has ` +
          `acknowledged: run every process with EVENTS_PARTITIONS=${current}, or stop the outbox ` +
          `relays, let the consumers catch up, and start again with ${partitions}.`,
      );
    // Compare-and-set: only if no other process switched it meanwhile.
    const switched = await redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0",
      1,
      key,
      recorded,
      String(partitions),
    );
    if (switched === 1) return;
  }
}
