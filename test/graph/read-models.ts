import { Redis } from 'ioredis';
import type { GraphNamespace } from './namespace.js';

export interface ReadModelWait {
  /** Consumer groups to wait for (default: the namespace's search, semantic and social read models). */
  groups?: string[];
  /**
   * Wait also until the stream has received at least this many events, for when the sources of
   * truth are still relaying a seed's outbox (a group can be caught up with a stream still growing).
   */
  minEvents?: number;
  timeoutMs?: number;
}

/**
 * Waits until every read model's consumer group exists and has applied every event in the stream,
 * so the tests start from caught-up search, semantic and social stores.
 */
export async function waitForReadModels(ns: GraphNamespace, options: ReadModelWait = {}): Promise<void> {
  const groups = options.groups ?? [
    ns.groups.search,
    ns.groups.semantic,
    ns.groups.social,
    ns.groups.analytics,
  ];
  const timeoutMs = options.timeoutMs ?? 240_000;
  const redis = new Redis(ns.redisUrl);
  const deadline = Date.now() + timeoutMs;
  let behind: string[] = groups;
  let events = 0;
  try {
    while (Date.now() < deadline) {
      if (options.minEvents) {
        const info = (await redis.xinfo('STREAM', ns.eventsStream).catch(() => [])) as (string | number)[];
        const at = info.indexOf('entries-added');
        events = at >= 0 ? Number(info[at + 1]) : 0;
      }
      const state = new Map<string, number>();
      const infos = (await redis.xinfo('GROUPS', ns.eventsStream).catch(() => [])) as (string | number)[][];
      for (const group of infos) {
        const fields = new Map<string, string | number>();
        for (let i = 0; i < group.length - 1; i += 2) fields.set(String(group[i]), group[i + 1]!);
        state.set(
          String(fields.get('name')),
          Number(fields.get('lag') ?? 0) + Number(fields.get('pending') ?? 0),
        );
      }
      behind = groups.filter((name) => state.get(name) !== 0);
      if (behind.length === 0 && events >= (options.minEvents ?? 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(
      `read models not caught up after ${timeoutMs} ms: ${behind.join(', ') || 'none behind'}` +
        (options.minEvents ? `; ${events} of ${options.minEvents} events in ${ns.eventsStream}` : ''),
    );
  } finally {
    redis.disconnect();
  }
}
