import { deadLetterStream } from './consumer.js';
import type { EventsRedis } from './partitions.js';

/** A stream entry id (`<ms>-<seq>`) as two numbers, for comparing ids. */
type EntryId = readonly [ms: number, seq: number];

const parseId = (id: string): EntryId => {
  const [ms = '0', seq = '0'] = id.split('-');
  return [Number(ms), Number(seq)];
};
const formatId = ([ms, seq]: EntryId): string => `${ms}-${seq}`;
const isBefore = (a: EntryId, b: EntryId): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

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

type InfoReply = (string | number | null)[];

const fieldsOf = (info: InfoReply): Map<string, string | number | null> => {
  const fields = new Map<string, string | number | null>();
  for (let i = 0; i < info.length - 1; i += 2) fields.set(String(info[i]), info[i + 1] ?? null);
  return fields;
};

const isMissingStream = (error: unknown): boolean => /no such key/i.test(String((error as Error).message));

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
