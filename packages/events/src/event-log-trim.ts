import { deadLetterStream } from './consumer.js';
import type { EventsRedis } from './partitions.js';
import {
  fieldsOf,
  formatId,
  isBefore,
  isMissingStream,
  parseId,
  type EntryId,
  type InfoReply,
} from './stream-replies.js';

/** Where one consumer group still needs the stream from. */
export interface GroupPosition {
  group: string;
  /** The oldest entry the group still needs: its oldest pending one, or the first it has not read. */
  needsFrom: string;
  pending: number;
}

export interface EventLogTrimResult {
  /** Entries XTRIM removed from the event stream. */
  trimmed: number;
  /** Dead letters removed for being older than the retention. */
  deadLettersTrimmed: number;
  /** Entries left in the event stream. */
  length: number;
  /** The group holding the stream back (null when the stream has no group: nothing is trimmed). */
  slowest: GroupPosition | null;
}

export interface EventLogTrimOptions {
  stream: string;
  /** Dead letters older than this are dropped (MINID by time). */
  deadLetterRetentionMs: number;
  /**
   * `~`: let Redis drop only whole radix-tree nodes of the event stream (cheap; leaves up to
   * `stream-node-max-entries` entries more). Either way nothing at or after the safe id goes.
   * Default true. Dead letters are always trimmed exactly.
   */
  approximate?: boolean;
}

/**
 * Every consumer group of the stream with the oldest entry it still needs: the smallest id it holds
 * pending (delivered, not acknowledged: XPENDING), else the entry after its last-delivered-id (XINFO
 * GROUPS). Empty when the stream or its groups do not exist.
 */
export async function groupPositions(redis: EventsRedis, stream: string): Promise<GroupPosition[]> {
  let groups: InfoReply[];
  try {
    groups = (await redis.xinfo('GROUPS', stream)) as InfoReply[];
  } catch (error) {
    if (isMissingStream(error)) return [];
    throw error;
  }
  const positions: GroupPosition[] = [];
  for (const info of groups) {
    const fields = fieldsOf(info);
    const group = String(fields.get('name'));
    const [lastMs, lastSeq] = parseId(String(fields.get('last-delivered-id') ?? '0-0'));
    let needsFrom: EntryId = [lastMs, lastSeq + 1];
    const pending = Number(fields.get('pending') ?? 0);
    if (pending > 0) {
      // Summary form: [count, smallest id, greatest id, consumers]. Asked even when XINFO said
      // pending, as the count may have moved since; the smaller of the two positions is kept.
      const summary = (await redis.xpending(stream, group)) as [number, string | null, ...unknown[]];
      if (summary[1]) {
        const oldestPending = parseId(summary[1]);
        if (isBefore(oldestPending, needsFrom)) needsFrom = oldestPending;
      }
    }
    positions.push({ group, needsFrom: formatId(needsFrom), pending });
  }
  return positions;
}

/**
 * Trims the event stream below its slowest consumer group and the dead-letter stream by age.
 *
 * `XTRIM MINID <id>` removes only entries older than `<id>`; `<id>` is the oldest entry any group
 * has pending or not yet read, so an entry goes only once every group has acknowledged it. Groups
 * only move forward (reads and acknowledgements raise their position), so a position read a moment
 * before the XTRIM is still safe when it runs. A stream without groups is left alone: nobody has
 * said where they read from. A read model added later starts from its `reindex`, not from the log.
 */
export async function trimEventLog(
  redis: EventsRedis,
  options: EventLogTrimOptions,
): Promise<EventLogTrimResult> {
  const { stream, deadLetterRetentionMs, approximate = true } = options;
  const positions = await groupPositions(redis, stream);
  let slowest: GroupPosition | null = null;
  for (const position of positions)
    if (!slowest || isBefore(parseId(position.needsFrom), parseId(slowest.needsFrom))) slowest = position;
  let trimmed = 0;
  if (slowest && approximate) {
    // `~` removes at most 100 × stream-node-max-entries entries a call (Redis' own default LIMIT,
    // which keeps each call short): repeat until a call finds nothing more below the safe id.
    for (let round = 0; round < 1000; round += 1) {
      const removed = await redis.xtrim(stream, 'MINID', '~', slowest.needsFrom);
      trimmed += removed;
      if (removed === 0) break;
    }
  } else if (slowest) trimmed = await redis.xtrim(stream, 'MINID', '=', slowest.needsFrom);
  const deadLettersBefore = formatId([Math.max(0, Date.now() - deadLetterRetentionMs), 0]);
  // Exact: dead letters are few, and "kept for N hours" should mean that.
  const deadLettersTrimmed = await redis.xtrim(deadLetterStream(stream), 'MINID', '=', deadLettersBefore);
  const length = await redis.xlen(stream);
  return { trimmed, deadLettersTrimmed, length, slowest };
}
