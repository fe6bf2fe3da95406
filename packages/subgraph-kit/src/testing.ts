import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { StoreName } from './metrics.js';
import { signViewerHeaders } from './viewer.js';

export interface GraphQLResult<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; field?: string } & Record<string, unknown>;
  }[];
}

/**
 * Calls a subgraph the way the gateway does (signed viewer headers), for the subgraph's own tests.
 * `viewerId` null is an anonymous request.
 */
export async function callAsGateway<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  viewerId: string | null = null,
  secret = process.env.GATEWAY_SHARED_SECRET ?? 'aetherial-dev-only-shared-secret',
): Promise<GraphQLResult<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signViewerHeaders(secret, viewerId, randomUUID()) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult<TData>;
}

/**
 * `store_requests_total{store}` as a subgraph serves it on /metrics (0 when the series is absent).
 * `url` is the subgraph's GraphQL URL; /metrics is on the same server.
 */
export async function scrapeStoreRequests(url: string, store: StoreName): Promise<number> {
  const response = await fetch(new URL('/metrics', url));
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^store_requests_total\{([^}]*)\} (\S+)$/.exec(line);
    if (match && match[1]!.split(',').includes(`store="${store}"`)) total += Number(match[2]);
  }
  return total;
}

/**
 * Waits until `store_requests_total{store}` moves after standing still for at least `quietMs`:
 * a background poller of the subgraph (its outbox relay) has just polled after an idle sleep, so
 * its next poll is about that far away. Returns the counter's value then.
 */
export async function afterIdlePoll(
  url: string,
  store: StoreName,
  { quietMs = 700, timeoutMs = 15_000 } = {},
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = await scrapeStoreRequests(url, store);
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const next = await scrapeStoreRequests(url, store);
    if (next === value) continue;
    if (Date.now() - since >= quietMs) return next;
    value = next;
    since = Date.now();
  }
  throw new Error(`store_requests_total{store="${store}"} never stood still for ${quietMs} ms then moved`);
}

/** A free TCP port on 127.0.0.1 (released again at once, so a small race is possible). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
