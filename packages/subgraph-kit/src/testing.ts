import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer } from 'node:net';
import type { StoreName } from './metrics.js';
import { developmentSecrets, type GraphSecrets } from './development-secrets.js';
import { parsePrivateKey } from './signing-keys.js';
import { ANONYMOUS_VIEWER, signGatewayCall, type Viewer } from './viewer.js';

export interface GraphQLResult<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: {
    message: string;
    path?: (string | number)[];
    extensions?: { code?: string; field?: string } & Record<string, unknown>;
  }[];
  /** E.g. `cacheTags` (cache-tags.ts). */
  extensions?: Record<string, unknown>;
}

let secrets: GraphSecrets | undefined;
let signingKey: KeyObject | undefined;

/**
 * This test process's graph secrets, generated once: subgraphs under test take the public key
 * (`testSubgraphEnv()`), and `callAsGateway` signs with the private one.
 */
export function testSecrets(): GraphSecrets {
  return (secrets ??= developmentSecrets());
}

/** Environment a subgraph under test needs to trust this process's `callAsGateway`. */
export function testSubgraphEnv(): Record<string, string> {
  return { GATEWAY_SIGNING_PUBLIC_KEY: testSecrets().GATEWAY_SIGNING_PUBLIC_KEY };
}

/** A subgraph to call: its URL and its name (which the signature covers). */
export interface SubgraphTarget {
  url: string;
  name: string;
}

/** A viewer to sign for: a user id (a customer: scope `customer`), a full viewer, or null (anonymous). */
export type TestViewer = string | null | Viewer;

function asViewer(viewer: TestViewer): Viewer {
  if (viewer === null) return ANONYMOUS_VIEWER;
  return typeof viewer === 'string' ? { userId: viewer, scopes: ['customer'] } : viewer;
}

/**
 * Headers of a call to `subgraph` with exactly `body`, signed like the gateway signs: with this test
 * process's key, or `privateKey` for a graph started with other secrets (a namespace's).
 */
export function signAsGateway(
  subgraph: string,
  body: string,
  viewer: TestViewer = null,
  privateKey?: string,
): Record<string, string> {
  const { userId, scopes } = asViewer(viewer);
  signingKey ??= parsePrivateKey(testSecrets().GATEWAY_SIGNING_PRIVATE_KEY);
  return signGatewayCall(privateKey ? parsePrivateKey(privateKey) : signingKey, {
    subgraph,
    body,
    viewerId: userId,
    scopes,
    requestId: randomUUID(),
  });
}

/** Calls a subgraph the way the gateway does (signed call), for the subgraph's own tests. */
export async function callAsGateway<TData = Record<string, unknown>>(
  target: SubgraphTarget,
  query: string,
  variables: Record<string, unknown> = {},
  viewer: TestViewer = null,
  privateKey?: string,
): Promise<GraphQLResult<TData>> {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signAsGateway(target.name, body, viewer, privateKey) },
    body,
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
