import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import type { KeyObject } from 'node:crypto';
import {
  CACHE_TAGS_EXTENSION,
  REQUEST_ID_HEADER,
  SCOPES_HEADER,
  signGatewayCall,
  VIEWER_HEADER,
} from '@aetherial/subgraph-kit';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from './context.js';
import { dedupeInFlight } from './inflight-dedupe.js';
import type { GatewayMetrics } from './metrics.js';
import { subgraphFetcher } from './subgraph-fetcher.js';

export interface SubgraphCallOptions {
  name: string;
  url: string;
  /** The gateway's Ed25519 private key: every call is signed for its subgraph and body. */
  signingKey: KeyObject;
  timeoutMs: number;
  /** Share identical in-flight queries (see inflight-dedupe.ts). */
  dedupe: boolean;
  metrics: GatewayMetrics;
}

/** `Cache-Control` of a subgraph answer as the hint Apollo's cache policy takes. */
function cacheHint(header: string | null): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  if (!header) return { maxAge: 0 };
  const directives = header.split(',').map((part) => part.trim().toLowerCase());
  const maxAge = directives.find((part) => part.startsWith('max-age='))?.slice('max-age='.length);
  return {
    maxAge: maxAge !== undefined && /^\d+$/.test(maxAge) ? Number(maxAge) : 0,
    ...(directives.includes('private') ? { scope: 'PRIVATE' as const } : {}),
    ...(directives.includes('public') ? { scope: 'PUBLIC' as const } : {}),
  };
}

async function errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
  const text = await response.text();
  const code =
    response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : undefined;
  return new GraphQLError(`${response.status}: ${response.statusText}`, {
    extensions: {
      ...(code ? { code } : {}),
      response: { url: response.url, status: response.status, statusText: response.statusText, body: text },
    },
  });
}

/**
 * Signs each call as it goes out, over this subgraph's name, the exact body and the viewer, scopes
 * and request id in its headers (put there by `process`): a captured signature is no good for
 * another subgraph, another query or another viewer. One SHA-256 and one Ed25519 signature.
 */
function signedCalls(fetcher: Fetcher, subgraph: string, signingKey: KeyObject): Fetcher {
  return (url, init = {}) => {
    const headers = init.headers ?? {};
    const scopes = headers[SCOPES_HEADER] ?? '';
    const signed = signGatewayCall(signingKey, {
      subgraph,
      body: typeof init.body === 'string' ? init.body : '',
      viewerId: headers[VIEWER_HEADER] || null,
      scopes: scopes === '' ? [] : scopes.split(' '),
      requestId: headers[REQUEST_ID_HEADER] ?? 'internal',
    });
    return fetcher(url, { ...init, headers: { ...headers, ...signed } });
  };
}

/**
 * Calls one subgraph: signs the call (viewer, scopes, body, target), passes the request id, restricts the response's cache
 * policy by the subgraph's `Cache-Control`, collects cache tags and metrics. Does what Apollo's
 * RemoteGraphQLDataSource does for us, without its per-call node-fetch Headers and Request
 * objects (a measurable share of the gateway's CPU on large plans) and with our own transport.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  private readonly fetcher: Fetcher;

  constructor(private readonly options: SubgraphCallOptions) {
    const transport = signedCalls(
      subgraphFetcher({ name: options.name, timeoutMs: options.timeoutMs }),
      options.name,
      options.signingKey,
    );
    // Signed after the dedupe: a call that shares one in flight sends nothing, so it signs nothing
    // (with the same query from many clients, most calls; the signature was 8% of the CPU).
    this.fetcher = options.dedupe
      ? dedupeInFlight(transport, () => options.metrics.subgraphShared.inc({ subgraph: options.name }))
      : transport;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { metrics, name, url } = this.options;
    const { request, context } = options;
    if (!request.query) throw new Error('Missing query');
    const body = JSON.stringify({
      query: request.query,
      ...(request.operationName ? { operationName: request.operationName } : {}),
      ...(request.variables ? { variables: request.variables } : {}),
      ...(request.extensions ? { extensions: request.extensions } : {}),
    });
    // The executor adds its own headers (e.g. asking for a federated trace when Studio reporting is on).
    // Who is asking travels unsigned this far; `signedCalls` signs it with the body when it goes out.
    const extra = request.http?.headers ? Object.fromEntries(request.http.headers) : undefined;
    const headers = {
      ...extra,
      'content-type': 'application/json',
      [VIEWER_HEADER]: context?.viewerId ?? '',
      [SCOPES_HEADER]: (context?.scopes ?? []).join(' '),
      [REQUEST_ID_HEADER]: context?.requestId ?? 'internal',
    };
    const stop = metrics.subgraphDuration.startTimer({ subgraph: name });
    let response: FetcherResponse;
    let result: GatewayGraphQLResponse;
    try {
      response = await this.fetcher(url, { method: 'POST', headers, body });
      if (!response.ok) throw await errorFromResponse(response);
      const parsed = (await response.json()) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error(`subgraph "${name}" answered with something other than a JSON object`);
      result = parsed as GatewayGraphQLResponse;
    } catch (error) {
      stop();
      metrics.subgraphErrors.inc({ subgraph: name, kind: 'transport' });
      throw error;
    }
    stop();
    if (result.errors?.length)
      metrics.subgraphErrors.inc({ subgraph: name, kind: 'graphql' }, result.errors.length);

    // Only a client's operation has a cache policy (health checks and schema loads have none).
    if ('incomingRequestContext' in options) {
      const policy = options.incomingRequestContext.overallCachePolicy;
      if (policy && 'restrict' in policy) policy.restrict(cacheHint(response.headers.get('cache-control')));
    }
    const tags = result.extensions?.[CACHE_TAGS_EXTENSION];
    if (Array.isArray(tags) && context?.cacheTags) {
      for (const tag of tags) if (typeof tag === 'string') context.cacheTags.add(tag);
    }
    return result;
  }
}
