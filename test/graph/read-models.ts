import { Redis } from 'ioredis';
import { e2e } from './namespace.js';

const readModels = ['search-indexer', 'e2e-semantic-indexer', 'e2e-social-projector'];

/**
 * Waits until every read model's consumer group exists and has applied every event in the stream,
 * so the tests start from caught-up search, semantic and social stores.
 */
export async function waitForReadModels(timeoutMs = 240_000): Promise<void> {
  const redis = new Redis(e2e.redisUrl);
  const deadline = Date.now() + timeoutMs;
  let behind: string[] = readModels;
  try {
    while (Date.now() < deadline) {
      const groups = (await redis.xinfo('GROUPS', e2e.eventsStream).catch(() => [])) as (string | number)[][];
      const state = new Map<string, number>();
      for (const group of groups) {
        const fields = new Map<string, string | number>();
        for (let i = 0; i < group.length - 1; i += 2) fields.set(String(group[i]), group[i + 1]!);
        state.set(
          String(fields.get('name')),
          Number(fields.get('lag') ?? 0) + Number(fields.get('pending') ?? 0),
        );
      }
      behind = readModels.filter((name) => state.get(name) !== 0);
      if (behind.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`read models not caught up after ${timeoutMs} ms: ${behind.join(', ')}`);
  } finally {
    redis.disconnect();
  }
}
