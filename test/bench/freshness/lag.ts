import type { Redis } from 'ioredis';

/** lag + pending of every consumer group on the stream (XINFO GROUPS), by group name. */
export async function groupBacklog(redis: Redis, stream: string): Promise<Map<string, number>> {
  const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as (string | number | null)[][];
  const backlog = new Map<string, number>();
  for (const group of groups) {
    const fields = new Map<string, string | number | null>();
    for (let i = 0; i < group.length - 1; i += 2) fields.set(String(group[i]), group[i + 1] ?? null);
    // A null lag means Redis cannot tell (entries deleted in between): count it as behind.
    const lag = fields.get('lag');
    backlog.set(
      String(fields.get('name')),
      (lag === null || lag === undefined ? Number.POSITIVE_INFINITY : Number(lag)) +
        Number(fields.get('pending') ?? 0),
    );
  }
  return backlog;
}
