import { eventsStream } from './event.js';
import { partitionStreams, type EventsRedis } from './partitions.js';

type InfoReply = (string | number | null | InfoReply)[];

const entryTime = (id: string): number => Number(id.split('-')[0]);

/**
 * The instant before which every event published to the log has left it: trimmed, which
 * `trimEventLog` does only once every consumer group acknowledged it. No redelivery, reclaim or
 * rewind (`rewindGroup`) can bring such an event back, so a read model may forget what it kept
 * only to refuse those (a tombstone written before the horizon). The time of the oldest entry
 * still held, the earliest over every partition (an emptied partition holds nothing back: it
 * counts as now); null when no partition exists yet (nothing was ever published, nothing can be
 * said).
 */
export async function eventLogHorizon(
  redis: EventsRedis,
  stream: string = eventsStream(),
  partitions = 1,
): Promise<Date | null> {
  let horizon = Number.POSITIVE_INFINITY;
  for (const partition of partitionStreams(stream, partitions)) {
    let info: InfoReply;
    try {
      info = (await redis.xinfo('STREAM', partition)) as InfoReply;
    } catch (error) {
      if (/no such key/i.test(String((error as Error).message))) continue;
      throw error;
    }
    const fields = new Map<string, InfoReply[number]>();
    for (let i = 0; i < info.length - 1; i += 2) fields.set(String(info[i]), info[i + 1] ?? null);
    const first = fields.get('first-entry');
    horizon = Math.min(
      horizon,
      Array.isArray(first) && first.length > 0 ? entryTime(String(first[0])) : Date.now(),
    );
  }
  return Number.isFinite(horizon) ? new Date(horizon) : null;
}
