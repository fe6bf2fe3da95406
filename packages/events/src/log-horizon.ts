import { eventsStream } from './event.js';
import { partitionStreams, type EventsRedis } from './partitions.js';
import { fieldsOf, isMissingStream, parseId, type InfoReply } from './stream-replies.js';

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
      if (isMissingStream(error)) continue;
      throw error;
    }
    const first = fieldsOf(info).get('first-entry');
    horizon = Math.min(
      horizon,
      Array.isArray(first) && first.length > 0 ? parseId(String(first[0]))[0] : Date.now(),
    );
  }
  return Number.isFinite(horizon) ? new Date(horizon) : null;
}
