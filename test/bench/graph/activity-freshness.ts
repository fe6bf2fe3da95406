/**
 * Write-to-visible latency of activity: a comment added through the gateway (content's write and
 * its outbox event), then `Post.stats.comments` polled through both gateways until it counts it:
 * content's relay → the event stream → analytics' recorder → InfluxDB → analytics → the gateway,
 * and for the cached gateway also its invalidation by the event (the post's stats were in its cache
 * right before). Measured from the mutation's answer (the write committed), one comment at a time.
 */
import { loadavg } from 'node:os';
import { DEMO_PASSWORD } from '@aetherial/core/seed';
import { summarise, type LatencySummary } from '../freshness/stats.js';

const POLL_MS = 25;

export interface ActivityFreshness {
  /** Comments written (one per post, one at a time). */
  comments: number;
  /** Through the gateway with the response cache off: the pipeline itself. */
  cacheOff: LatencySummary;
  /** Through the gateway with the cache on, holding the post's stats from right before the write. */
  cacheOn: LatencySummary;
  timeoutSeconds: number;
  loadAverage: number;
}

interface Answer<T> {
  data?: T | null;
  errors?: { message: string }[];
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  return (await response.json()) as Answer<T>;
}

const STATS = `query Stats($id: ID!) { post(id: $id) { id stats { comments } } }`;

async function comments(url: string, id: string): Promise<number | null> {
  const answer = await gql<{ post: { stats: { comments: number } } | null }>(url, STATS, { id });
  return answer.data?.post?.stats.comments ?? null;
}

/** Polls until the post's comment count reaches `expected`: the milliseconds since `from`, or null at the deadline. */
async function visibleAfter(url: string, id: string, expected: number, from: number, timeoutMs: number) {
  while (performance.now() - from < timeoutMs) {
    if (((await comments(url, id)) ?? -1) >= expected) return performance.now() - from;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}

export async function measureActivityFreshness(
  gateways: { cold: string; warm: string },
  seeded: { userIds: readonly string[]; postIds: readonly string[] },
  options: { comments: number; timeoutSeconds: number },
): Promise<ActivityFreshness> {
  const loadAverage = Math.round(loadavg()[0]! * 100) / 100;
  const user = await gql<{ user: { handle: string } | null }>(
    gateways.cold,
    'query Handle($id: ID!) { user(id: $id) { handle } }',
    { id: seeded.userIds[0] },
  );
  const handle = user.data?.user?.handle;
  if (!handle) throw new Error(`activity freshness: no handle for ${seeded.userIds[0]}`);
  const logIn = await gql<{ logIn: { token: string } }>(
    gateways.cold,
    'mutation LogIn($input: LogInInput!) { logIn(input: $input) { token } }',
    { input: { login: handle, password: DEMO_PASSWORD } },
  );
  const token = logIn.data?.logIn.token;
  if (!token) throw new Error(`activity freshness: log-in failed: ${JSON.stringify(logIn.errors)}`);

  const cold: (number | null)[] = [];
  const warm: (number | null)[] = [];
  const step = Math.max(1, Math.floor(seeded.postIds.length / options.comments));
  for (let i = 0; i < seeded.postIds.length && cold.length < options.comments; i += step) {
    const id = seeded.postIds[i]!;
    const before = await comments(gateways.cold, id);
    if (before === null) continue; // a draft: not visible to everyone
    await comments(gateways.warm, id); // the page is in the cache when the comment arrives
    const added = await gql(
      gateways.cold,
      'mutation Comment($postId: ID!) { addComment(postId: $postId, body: "Counted by the bench") { id } }',
      { postId: id },
      token,
    );
    if (added.errors)
      throw new Error(`activity freshness: addComment failed: ${JSON.stringify(added.errors)}`);
    const written = performance.now();
    const timeoutMs = options.timeoutSeconds * 1000;
    const [off, on] = await Promise.all([
      visibleAfter(gateways.cold, id, before + 1, written, timeoutMs),
      visibleAfter(gateways.warm, id, before + 1, written, timeoutMs),
    ]);
    cold.push(off);
    warm.push(on);
  }
  return {
    comments: cold.length,
    cacheOff: summarise(cold),
    cacheOn: summarise(warm),
    timeoutSeconds: options.timeoutSeconds,
    loadAverage,
  };
}
