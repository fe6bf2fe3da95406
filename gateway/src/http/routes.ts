import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import {
  PayloadTooLargeError,
  readBody,
  REQUEST_ID_HEADER,
  sendJson,
  toGraphQLRequest,
  writeGraphQLResponse,
  type Logger,
} from '@aetherial/subgraph-kit';
import type { tokenVerifier } from '../auth.js';
import type { metricsEndpoint } from '../cluster-metrics.js';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import type { createExplorer } from '../explorer/index.js';
import type { cacheHitFastPath } from '../fast-path/cache-hit-fast-path.js';
import type { RateLimits } from '../rate-limits/index.js';
import { isEventStreamRequest, type RunningSubscriptions } from '../subscriptions/index.js';

/** The client's address: the first X-Forwarded-For hop behind a trusted proxy, else the socket's peer. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return first || req.socket.remoteAddress || 'unknown';
}

export interface GatewayRoutes {
  config: GatewayConfig;
  log: Logger;
  production: boolean;
  verify: ReturnType<typeof tokenVerifier>;
  rateLimits: RateLimits | undefined;
  fastPath: ReturnType<typeof cacheHitFastPath> | undefined;
  apollo: ApolloServer<GatewayContext>;
  explorer: ReturnType<typeof createExplorer>;
  subscriptions: RunningSubscriptions | undefined;
  metricsOut: ReturnType<typeof metricsEndpoint>;
  /** What /ready reports, read at each request. */
  readiness: () => { stopping: boolean; supergraphLoaded: boolean; redis: 'up' | 'bypassed' };
}

/**
 * The gateway's HTTP routes: /health, /ready, /metrics, the explorer, SSE subscriptions and GraphQL
 * on / and /graphql (body limit, viewer and rate limits once per request, the cache-hit fast path,
 * then Apollo Server). A failure no route handled is a 500 with the request id, masked in production.
 */
export function gatewayRequestHandler(routes: GatewayRoutes) {
  const {
    config,
    log,
    production,
    verify,
    rateLimits,
    fastPath,
    apollo,
    explorer,
    subscriptions,
    metricsOut,
  } = routes;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    const requestId = (req.headers[REQUEST_ID_HEADER] as string | undefined) ?? randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const route = async () => {
      if (path === '/health') return sendJson(res, 200, { status: 'ok' });
      if (path === '/ready') {
        const { stopping, supergraphLoaded, redis } = routes.readiness();
        if (stopping || !supergraphLoaded)
          return sendJson(res, 503, { status: stopping ? 'stopping' : 'no supergraph yet' });
        return sendJson(res, 200, { status: 'ready', supergraph: 'loaded', redis });
      }
      if (path === '/metrics') {
        const scope = new URL(req.url ?? '/', 'http://gateway').searchParams.get('scope');
        const body = await metricsOut.metrics(scope === 'worker' ? 'worker' : 'cluster');
        res.setHeader('content-type', metricsOut.contentType);
        return res.end(body);
      }
      if (explorer.handle(req, res, path ?? '/')) return;
      if (path !== '/' && path !== '/graphql')
        return sendJson(res, 404, { error: `no route ${path}; GraphQL is served on /graphql` });
      if (subscriptions && isEventStreamRequest(req)) return subscriptions.handleEventStream(req, res);
      let body = '';
      try {
        body = await readBody(req, config.GATEWAY_MAX_BODY_BYTES);
      } catch (error) {
        if (!(error instanceof PayloadTooLargeError)) throw error;
        return sendJson(res, 413, {
          errors: [{ message: error.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
        });
      }
      const requestLog = log.child({ requestId });
      const clientIp = clientAddress(req, config.GATEWAY_TRUST_PROXY);
      // Built once per request: the fast path and, on a miss, the pipeline share it (and its error).
      let viewerContext: Promise<GatewayContext> | undefined;
      const context = () =>
        (viewerContext ??= (async () => {
          const viewer = await verify(req.headers.authorization);
          await rateLimits?.request(clientIp, viewer.userId);
          return {
            viewerId: viewer.userId,
            scopes: viewer.scopes,
            requestId,
            clientIp,
            log: requestLog,
            cacheTags: new Set<string>(),
          };
        })());
      if (fastPath && (await fastPath(req, res, body, context))) return;
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: toGraphQLRequest(req, body),
        context,
      });
      await writeGraphQLResponse(res, response);
    };
    route().catch((error: unknown) => {
      const graphQLError = error instanceof GraphQLError ? error : undefined;
      if (!graphQLError) log.error({ err: error, requestId }, 'request failed');
      if (res.headersSent) return res.end();
      sendJson(res, 500, {
        errors: [
          {
            message: (!production && graphQLError?.message) || `internal error (request id ${requestId})`,
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      });
    });
  };
}
