import { randomUUID } from 'node:crypto';
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
