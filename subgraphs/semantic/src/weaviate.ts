import weaviate, { ApiKey, type WeaviateClient } from 'weaviate-client';
import { graphQLError } from '@aetherial/subgraph-kit';
import type { GraphQLError } from 'graphql';

export interface WeaviateSettings {
  WEAVIATE_URL: string;
  WEAVIATE_GRPC_PORT: number;
  WEAVIATE_API_KEY?: string | undefined;
}

/**
 * Connects lazily (no start-up checks), so the subgraph starts and reports "not ready" while
 * Weaviate is down instead of refusing to start; every call then fails fast and is reported as
 * UNAVAILABLE.
 */
export function connectWeaviate(settings: WeaviateSettings): Promise<WeaviateClient> {
  const url = new URL(settings.WEAVIATE_URL);
  const secure = url.protocol === 'https:';
  return weaviate.connectToCustom({
    httpHost: url.hostname,
    httpPort: Number(url.port || (secure ? 443 : 80)),
    httpSecure: secure,
    ...(url.pathname !== '/' ? { httpPath: url.pathname } : {}),
    grpcHost: url.hostname,
    grpcPort: settings.WEAVIATE_GRPC_PORT,
    grpcSecure: secure,
    ...(settings.WEAVIATE_API_KEY ? { authCredentials: new ApiKey(settings.WEAVIATE_API_KEY) } : {}),
    // seconds: queries are small; batch writes of a few hundred 512-d vectors take longer
    timeout: { init: 5, query: 15, insert: 60 },
    skipInitChecks: true,
  });
}

const unreachable = [
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'fetch failed',
  'UNAVAILABLE',
  'No connection established',
  'DEADLINE_EXCEEDED',
  'timed out',
  'socket hang up',
];

function messagesOf(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error && parts.length < 5; current = current.cause) {
    parts.push(`${current.name}: ${current.message}`, String((current as NodeJS.ErrnoException).code ?? ''));
  }
  return parts.join(' ');
}

/** True when Weaviate could not be reached at all (down, restarting, network), not a bad request. */
export function isWeaviateUnreachable(error: unknown): boolean {
  const text = messagesOf(error);
  return unreachable.some((marker) => text.includes(marker)) || text.includes('WeaviateGRPCUnavailableError');
}

/**
 * Weaviate is unreachable, timed out, or answered "not now" (429 or 5xx over REST, gRPC
 * RESOURCE_EXHAUSTED): a failure of the store, not of the request. The indexer waits these out.
 */
export function isWeaviateOutage(error: unknown): boolean {
  if (isWeaviateUnreachable(error)) return true;
  return /status code: (429|5\d\d)\b|RESOURCE_EXHAUSTED/.test(messagesOf(error));
}

function isMissingCollection(error: unknown): boolean {
  return /could not find class|class .* not found|collection .* not found|no such class/i.test(
    messagesOf(error),
  );
}

/** The GraphQL error a client sees when the read model's store fails. */
export function weaviateFailure(error: unknown, collection: string): GraphQLError | undefined {
  if (isWeaviateUnreachable(error)) {
    return graphQLError('UNAVAILABLE', 'Weaviate is unavailable: semantic search cannot answer right now', {
      store: 'weaviate',
    });
  }
  if (isMissingCollection(error)) {
    return graphQLError(
      'UNAVAILABLE',
      `Weaviate has no collection ${collection} yet: the semantic index is not built`,
      {
        store: 'weaviate',
      },
    );
  }
  return undefined;
}
