import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import type { Logger } from '@aetherial/subgraph-kit';
import type { GatewayAuthorization } from '../authorization/index.js';
import { CACHE_STATUS_HEADER } from '../cache/response-cache-plugin.js';
import { operationDigest, responseCacheKey, responseEntryKeys } from '../cache/response-cache-key.js';
import type { ResponseStore } from '../cache/response-store.js';
import type { GatewayContext } from '../context.js';
import type { DemandControl } from '../demand-control/index.js';
import type { GatewayMetrics } from '../metrics.js';

export interface CacheHitFastPathOptions {
  store: ResponseStore;
  metrics: GatewayMetrics;
  /** Told of every hit served here, as Apollo's plugins are not (the request series). */
  onServed?: (durationMs: number) => void;
  /** Demand control and authorization hold for hits too (GATEWAY_ENFORCE_POLICY). */
  policy: { demandControl: DemandControl; authorization: GatewayAuthorization } | undefined;
  log: Logger;
}

/** The parts of a GraphQL POST body the fast path understands; anything else goes to the pipeline. */
interface PlainOperation {
  queryHash: string;
  operationName: string | null;
  variables: Record<string, unknown> | null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Apollo Server's `queryHash` of a request body: the APQ hash when one is sent (checked against the
 * query when both are), else the SHA-256 of the query text. Undefined when the body is anything but
 * one plain operation (a batch, other extensions, wrong types): the pipeline answers those.
 */
function plainOperation(body: string): PlainOperation | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { query, operationName, variables, extensions } = parsed;
  if (query !== undefined && typeof query !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string')
    return undefined;
  if (variables !== undefined && variables !== null && !isObject(variables)) return undefined;
  let persistedHash: string | undefined;
  if (extensions !== undefined) {
    if (!isObject(extensions) || Object.keys(extensions).some((name) => name !== 'persistedQuery'))
      return undefined;
    const persisted = extensions.persistedQuery;
    if (!isObject(persisted) || persisted.version !== 1 || typeof persisted.sha256Hash !== 'string')
      return undefined;
    persistedHash = persisted.sha256Hash;
  }
  const queryHash = query === undefined ? undefined : createHash('sha256').update(query).digest('hex');
  if (persistedHash !== undefined && queryHash !== undefined && persistedHash !== queryHash) return undefined;
  const hash = persistedHash ?? queryHash;
  if (hash === undefined) return undefined;
  return { queryHash: hash, operationName: operationName ?? null, variables: variables ?? null };
}

/** Only the default JSON answer: clients asking for multipart, SSE or graphql-response+json get the pipeline. */
function acceptsPlainJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (accept === undefined) return true;
  return !/multipart\/|text\/event-stream|application\/graphql-response\+json/i.test(accept);
}

/**
 * Serves response-cache hits straight from the HTTP layer, as the stored bytes: one key computation
 * (document or APQ hash, operation name, canonical variables, the viewer's scopes), one Redis read,
 * one write. Everything that decides access holds as in the pipeline:
 * - the viewer's context is the request's own (`context`, shared with the pipeline so a miss does not
 *   verify the token or consume a rate-limit point twice): an invalid or expired token, or a refused
 *   rate limit, fails it and the pipeline answers that error;
 * - the scopes are part of the key and a private entry is read only under the verified viewer's id;
 * - demand control and authorization: only an operation this process already let through for this
 *   viewer class (their memos, keyed like their own checks) is served; any other goes to the pipeline,
 *   which decides, answers any denial itself, and remembers the decision for the next request.
 * Returns false, having written nothing, whenever the pipeline must answer instead (a miss too).
 */
export function cacheHitFastPath({ store, metrics, policy, log, onServed }: CacheHitFastPathOptions) {
  const served = new Counter({
    name: 'gateway_cache_fast_path_total',
    help: 'Requests the cache-hit fast path looked at: hit (served), miss, declined (left to the pipeline before a lookup)',
    labelNames: ['result'] as const,
    registers: [metrics.registry],
  });

  return async function serveCachedHit(
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    context: () => Promise<GatewayContext>,
  ): Promise<boolean> {
    const started = performance.now();
    if (req.method !== 'POST' || !acceptsPlainJson(req)) return false;
    if (!(req.headers['content-type'] ?? '').includes('application/json')) return false;
    const operation = plainOperation(body);
    if (!operation) return false;
    let viewer: GatewayContext;
    try {
      viewer = await context();
    } catch {
      served.inc({ result: 'declined' });
      return false; // the pipeline awaits the same context and answers its error (401, 429)
    }
    const digest = operationDigest(operation.queryHash, operation.operationName, operation.variables);
    let cost: number | undefined;
    if (policy) {
      cost = policy.demandControl.knownCost(digest);
      if (
        cost === undefined ||
        !policy.authorization.knownToAllowAll(operation.queryHash, operation.operationName, viewer)
      ) {
        served.inc({ result: 'declined' });
        return false;
      }
    }
    const { publicKey, privateKey } = responseEntryKeys(
      responseCacheKey(viewer.scopes, digest),
      viewer.viewerId,
    );
    let hit: string | null;
    try {
      hit = (await store.lookup(publicKey, privateKey, viewer.viewerId)).hit;
    } catch {
      served.inc({ result: 'declined' });
      return false; // Redis away: the pipeline's cache plugin counts the bypass and executes
    }
    if (hit === null) {
      served.inc({ result: 'miss' });
      return false;
    }
    // The stored answer is `{"data":…}`; demand control's extension follows data, as Apollo Server
    // orders it, and Apollo Server ends its JSON with a newline.
    const bytes =
      cost === undefined ? `${hit}\n` : `${hit.slice(0, -1)},"extensions":{"cost":{"estimated":${cost}}}}\n`;
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader(CACHE_STATUS_HEADER, 'HIT');
    res.setHeader('cache-control', 'no-store'); // what Apollo Server's cache-control plugin sends for a hit
    res.setHeader('content-length', Buffer.byteLength(bytes));
    res.end(bytes);
    served.inc({ result: 'hit' });
    metrics.cache.inc({ result: 'hit' });
    metrics.requests.inc({ outcome: 'ok' });
    const ms = performance.now() - started;
    metrics.duration.observe(ms / 1000);
    onServed?.(ms);
    if (log.isLevelEnabled('info'))
      viewer.log.info(
        {
          operationName: operation.operationName,
          ms: Math.round(ms * 10) / 10,
          errors: 0,
          cache: 'HIT',
          fastPath: true,
        },
        'request',
      );
    return true;
  };
}

export type CacheHitFastPath = ReturnType<typeof cacheHitFastPath>;
