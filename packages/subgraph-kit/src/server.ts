import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { DocumentNode } from 'graphql';
import { cacheTagsPlugin, type CacheTagsOptions } from './cache-tags.js';
import type { GatewayTrust } from './gateway-trust.js';
import {
  PayloadTooLargeError,
  readBodyBytes,
  sendJson,
  toGraphQLRequest,
  writeGraphQLResponse,
} from './http.js';
import { DEFAULT_HOST, reachableHost } from './listen.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { keyId } from './signing-keys.js';
import {
  ANONYMOUS_VIEWER,
  ForgedRequestError,
  REQUEST_ID_HEADER,
  SIGNATURE_HEADER,
  verifyGatewayCall,
  type Viewer,
} from './viewer.js';

/** What every resolver sees in its context, whatever the subgraph. */
export interface RequestContext extends BaseContext {
  viewer: Viewer;
  requestId: string;
  log: Logger;
}

export interface SubgraphOptions<TContext extends RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  /** Resolvers typed by the subgraph (codegen types from its schema.graphql). */
  resolvers: object;
  port: number;
  host?: string;
  /** The gateway's public key(s) and the signature window (`gatewayTrust(name, config, allowUnsigned)`). */
  trust: GatewayTrust;
  /** Adds the subgraph's per-request state (DataLoaders, store handles) to the base context. */
  context: (base: RequestContext) => TContext | Promise<TContext>;
  /** Readiness: throws when a store the subgraph needs is not answering. */
  ready: () => Promise<void>;
  /** Closes store connections after in-flight requests drained. */
  close: () => Promise<void>;
  maxBodyBytes?: number;
  plugins?: ApolloServerPlugin<TContext>[];
  log?: Logger;
  /**
   * The registry served on /metrics, when the subgraph made it before its stores (to hand their
   * drivers `storeRequestCounter`s); `createMetrics(name)` otherwise.
   */
  metrics?: Metrics;
  /** How responses are tagged for the gateway's cache (cache-tags.ts). */
  cacheTags?: CacheTagsOptions;
}

export interface RunningSubgraph {
  /** The subgraph's name, which every gateway signature for it covers. */
  name: string;
  url: string;
  server: Server;
  log: Logger;
  /** The /metrics registry, for gauges the subgraph adds (e.g. its read model's consumer lag). */
  metrics: Metrics;
  stop: () => Promise<void>;
}

/**
 * The `operation` label of the request metrics: the operation's type (query, mutation,
 * subscription), never its name. Names are chosen by clients (the gateway's subgraph operations
 * are named after the client's), and a label taking any value a client sends grows the metrics
 * without bound.
 */
function operationLabel(body: unknown): 'query' | 'mutation' | 'subscription' | 'unknown' {
  if (typeof body !== 'object' || body === null || !('query' in body)) return 'unknown';
  const query = (body as { query?: unknown }).query;
  if (typeof query !== 'string') return 'unknown';
  const keyword = /^(?:\s|#[^\n]*\n)*(query|mutation|subscription|\{)/.exec(query)?.[1];
  return keyword === '{'
    ? 'query'
    : ((keyword as 'query' | 'mutation' | 'subscription' | undefined) ?? 'unknown');
}

/**
 * Starts a federation subgraph on node:http: POST /graphql (also /), GET /health (alive),
 * GET /ready (stores answer), GET /metrics. Shuts down gracefully on SIGTERM/SIGINT.
 */
export async function startSubgraph<TContext extends RequestContext>(
  options: SubgraphOptions<TContext>,
): Promise<RunningSubgraph> {
  const log = options.log ?? createLogger(options.name);
  const metrics = options.metrics ?? createMetrics(options.name);
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const httpServer = createServer();
  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema([
      { typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> },
    ]),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      cacheTagsPlugin<TContext>(options.cacheTags),
      ...(options.plugins ?? []),
    ],
    includeStacktraceInErrorResponses: process.env.NODE_ENV === 'development',
    // runUntilSignalled owns SIGTERM/SIGINT: it stops Apollo, then closes the stores, then exits.
    stopOnTerminationSignals: false,
    logger: log,
  });
  await apollo.start();
  let stopping = false;

  const refuse = (res: ServerResponse, status: number, code: string, message: string) =>
    sendJson(res, status, { errors: [{ message, extensions: { code } }] });

  /** The viewer of a call the gateway signed for this subgraph and this very body. */
  const viewerOf = (req: IncomingMessage, body: Buffer): Viewer => {
    if (options.trust.allowUnsigned && req.headers[SIGNATURE_HEADER] === undefined) return ANONYMOUS_VIEWER;
    return verifyGatewayCall(options.trust, options.name, req.headers, body);
  };

  const handleGraphQL = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = (req.headers[REQUEST_ID_HEADER] as string | undefined) ?? randomUUID();
    const requestLog = log.child({ requestId });
    // Unsigned callers are turned away before their body is read.
    if (!options.trust.allowUnsigned && req.headers[SIGNATURE_HEADER] === undefined) {
      requestLog.warn('rejected request not signed by the gateway');
      return refuse(
        res,
        401,
        'UNAUTHENTICATED',
        `missing ${SIGNATURE_HEADER}: only the gateway may call this subgraph`,
      );
    }
    let body: Buffer;
    try {
      body = await readBodyBytes(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return refuse(res, 413, 'PAYLOAD_TOO_LARGE', error.message);
      throw error;
    }
    let viewer: Viewer;
    try {
      viewer = viewerOf(req, body);
    } catch (error) {
      if (!(error instanceof ForgedRequestError)) throw error;
      requestLog.warn({ reason: error.message }, 'rejected request not signed by the gateway');
      return refuse(res, 401, 'UNAUTHENTICATED', error.message);
    }
    const rawBody = body.toString('utf8');
    const httpGraphQLRequest = toGraphQLRequest(req, rawBody);
    const operation = operationLabel(httpGraphQLRequest.body);
    const endTimer = metrics.duration.startTimer({ operation });
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: () => Promise.resolve(options.context({ viewer, requestId, log: requestLog })),
    });
    endTimer();
    metrics.requests.inc({ operation, outcome: (response.status ?? 200) < 400 ? 'ok' : 'error' });
    res.setHeader(REQUEST_ID_HEADER, requestId);
    await writeGraphQLResponse(res, response);
  };

  httpServer.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = async () => {
      if (path === '/health') return sendJson(res, 200, { status: 'ok', service: options.name });
      if (path === '/ready') {
        if (stopping) return sendJson(res, 503, { status: 'stopping' });
        try {
          await options.ready();
          return sendJson(res, 200, { status: 'ready', service: options.name });
        } catch (error) {
          return sendJson(res, 503, { status: 'not ready', reason: (error as Error).message });
        }
      }
      if (path === '/metrics') {
        res.setHeader('content-type', metrics.registry.contentType);
        return res.end(await metrics.registry.metrics());
      }
      if (path === '/graphql' || path === '/') return handleGraphQL(req, res);
      return sendJson(res, 404, { error: `no route ${path}; GraphQL is served on /graphql` });
    };
    route().catch((error: unknown) => {
      log.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'internal error' }] });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`${options.name}: port ${options.port} is already in use`)
          : error,
      ),
    );
    httpServer.listen(options.port, options.host ?? DEFAULT_HOST, resolve);
  });
  httpServer.keepAliveTimeout = 65_000;
  const address = httpServer.address() as AddressInfo;
  const url = `http://${reachableHost(options.host ?? DEFAULT_HOST)}:${address.port}/graphql`;
  log.info(
    {
      url,
      gatewayKeys: options.trust.publicKeys.map(keyId),
      ...(options.trust.allowUnsigned ? { allowUnsigned: true } : {}),
    },
    `${options.name} subgraph ready`,
  );

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      await apollo.stop(); // drains in-flight requests, then closes the HTTP server
      await options.close();
      log.info(`${options.name} subgraph stopped`);
    })());
  return { name: options.name, url, server: httpServer, log, metrics, stop };
}

/** For a subgraph's `src/index.ts`: stop gracefully on SIGTERM/SIGINT, exit non-zero on a failed start. */
export function runUntilSignalled(start: () => Promise<RunningSubgraph>): void {
  // A start that throws before its first await (a missing setting) is a refusal like any other.
  Promise.resolve()
    .then(start)
    .then(
      (running) => {
        const onSignal = (signal: NodeJS.Signals) => {
          running.log.info({ signal }, 'shutting down');
          running.stop().then(
            () => process.exit(0),
            (error: unknown) => {
              running.log.error({ err: error }, 'shutdown failed');
              process.exit(1);
            },
          );
        };
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      },
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
}
