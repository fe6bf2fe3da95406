import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { parse, type GraphQLSchema } from 'graphql';
import { createLogger, reachableHost, redisUrls, type Logger } from '@aetherial/subgraph-kit';
import {
  checkEvictionPolicy,
  connectEventsRedis,
  eventsStream,
  type RunningConsumer,
} from '@aetherial/events';
import { tokenVerifier } from './auth.js';
import { RedisApqStore } from './cache/apq-store.js';
import { startCacheInvalidator } from './cache/invalidator.js';
import { responseCachePlugin } from './cache/response-cache-plugin.js';
import { ResponseStore } from './cache/response-store.js';
import { createCacheRedis } from './cache/resilient-redis.js';
import { checkGatewaySecrets, subgraphUrlOverride, type GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { SubgraphDataSource } from './datasource.js';
import { GatewayAuthorization } from './authorization/index.js';
import { DemandControl } from './demand-control/index.js';
import { errorMaskingPlugin } from './errors/mask-errors.js';
import { createExplorer } from './explorer/index.js';
import type { GatewayRegistry } from './registry/gateway-registry.js';
import { metricsEndpoint } from './cluster-metrics.js';
import { gatewayRequestHandler } from './http/routes.js';
import { observabilityPlugin } from './observability-plugin.js';
import { createGatewayMetrics } from './metrics.js';
import { authAttemptLimitPlugin, RateLimits } from './rate-limits/index.js';
import { requestSeriesHooks } from './request-series/index.js';
import { supergraphFromFile } from './supergraph.js';
import { executeThroughGateway } from './subscriptions/execute.js';
import { cacheHitFastPath } from './fast-path/cache-hit-fast-path.js';
import { withLeanExecutor } from './executor/lean-executor.js';
import { startSubscriptions, type RunningSubscriptions } from './subscriptions/index.js';

export interface RunningGateway {
  url: string;
  server: Server;
  log: Logger;
  stop: () => Promise<void>;
}

export async function startGateway(config: GatewayConfig, workerName = 'gateway'): Promise<RunningGateway> {
  const log = createLogger('gateway', config.LOG_LEVEL);
  const { signingKey } = checkGatewaySecrets(config);
  const metrics = createGatewayMetrics();
  const metricsOut = metricsEndpoint(metrics.registry);
  const production = config.NODE_ENV === 'production';
  let redisWarned = 0;
  const onRedisError = (error: Error) => {
    // One line every 10 s at most while Redis is down; the bypass metric counts every request.
    if (Date.now() - redisWarned > 10_000)
      log.warn({ err: error.message }, 'Redis unavailable: cache and APQ bypassed');
    redisWarned = Date.now();
  };
  const redisOf = redisUrls(config);
  // The cache Redis should evict (warned); the events Redis must not (production refuses).
  await checkEvictionPolicy({ url: redisOf.cache, role: 'cache', production, log });
  if (config.GATEWAY_CACHE || config.GATEWAY_SUBSCRIPTIONS)
    await checkEvictionPolicy({ url: redisOf.events, role: 'events', production, log });
  const cacheRedis = createCacheRedis(redisOf.cache, config.GATEWAY_REDIS_TIMEOUT_MS, log);
  const store = new ResponseStore(cacheRedis);

  const managed = Boolean(config.APOLLO_KEY && config.APOLLO_GRAPH_REF);
  // Loaded only when configured: with `pg` imported into the gateway, rate-limits.test.ts's per-IP
  // budget stopped refusing (cause not found yet; see the deploy branch's report).
  const registry: GatewayRegistry<GatewayContext> =
    config.SCHEMA_REGISTRY_URL || config.SUPERGRAPH_SOURCE === 'registry'
      ? await (
          await import('./registry/gateway-registry.js')
        ).connectGatewayRegistry<GatewayContext>(config, log)
      : { plugins: [], stop: async () => undefined };
  let supergraphLoaded = false;
  const gateway = new ApolloGateway({
    ...(managed
      ? {}
      : { supergraphSdl: registry.supergraphSdl ?? supergraphFromFile(config.SUPERGRAPH_PATH, log) }),
    experimental_approximateQueryPlanStoreMiB: config.GATEWAY_QUERY_PLAN_CACHE_MIB,
    logger: log,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: subgraphUrlOverride(name) ?? url ?? '',
        signingKey,
        timeoutMs: config.GATEWAY_SUBGRAPH_TIMEOUT_MS,
        dedupe: config.GATEWAY_DEDUPE_INFLIGHT,
        metrics,
      }),
  });
  const executed = config.GATEWAY_EXECUTOR === 'lean' ? withLeanExecutor(gateway, log) : gateway;
  let currentApiSchema: GraphQLSchema | undefined;
  const authorization = new GatewayAuthorization();
  const demandControl = new DemandControl({
    maxDepth: config.GATEWAY_MAX_DEPTH,
    maxAliases: config.GATEWAY_MAX_ALIASES,
    maxCost: config.GATEWAY_MAX_COST,
    defaultListSize: config.GATEWAY_COST_DEFAULT_LIST_SIZE,
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    // Directive metadata (@authenticated, @requiresScopes, @cost, @listSize) lives in the supergraph.
    const supergraph = parse(coreSupergraphSdl);
    authorization.update(apiSchema, supergraph);
    demandControl.update(supergraph);
    supergraphLoaded = true;
    currentApiSchema = apiSchema;
  });
  const rateLimits = config.GATEWAY_RATE_LIMIT
    ? new RateLimits(cacheRedis, {
        windowSeconds: config.GATEWAY_RATE_LIMIT_WINDOW_S,
        perIp: config.GATEWAY_RATE_LIMIT_PER_IP,
        perViewer: config.GATEWAY_RATE_LIMIT_PER_VIEWER,
        authPerIp: config.GATEWAY_RATE_LIMIT_AUTH_PER_IP,
        authPerAccount: config.GATEWAY_RATE_LIMIT_AUTH_PER_ACCOUNT,
      })
    : undefined;

  // Cache hits served as stored bytes before Apollo Server's pipeline (off with usage recording,
  // which needs every operation's document).
  const requestSeries = requestSeriesHooks<GatewayContext>(log, workerName); // InfluxDB, when INFLUXDB_URL is set
  const fastPath =
    config.GATEWAY_CACHE && config.GATEWAY_CACHE_FAST_PATH && registry.plugins.length === 0
      ? cacheHitFastPath({
          store,
          metrics,
          policy: config.GATEWAY_ENFORCE_POLICY ? { demandControl, authorization } : undefined,
          log,
          onServed: (ms) => requestSeries.record(ms, false),
        })
      : undefined;

  const httpServer = createServer();
  const explorer = createExplorer(config, log);
  const verify = tokenVerifier({
    secret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway: config.GATEWAY_ENFORCE_POLICY ? authorization.wrap(executed) : executed,
    introspection: !production,
    csrfPrevention: true,
    stopOnTerminationSignals: false, // index.ts stops the gateway (and its invalidator) on signals
    includeStacktraceInErrorResponses: !production,
    persistedQueries: { cache: new RedisApqStore(cacheRedis, onRedisError) },
    logger: log,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      explorer.landingPage,
      // Before planning, in this order: demand control measures the client's own document, then
      // authorization takes out what the viewer may not read.
      ...(config.GATEWAY_ENFORCE_POLICY ? [demandControl.plugin()] : []),
      authAttemptLimitPlugin(rateLimits),
      ...(config.GATEWAY_ENFORCE_POLICY ? [authorization.plugin()] : []),
      errorMaskingPlugin(production),
      observabilityPlugin(metrics),
      ...requestSeries.plugins,
      ...(config.GATEWAY_CACHE ? [responseCachePlugin({ store, metrics, onRedisError })] : []),
      ...registry.plugins,
    ],
  });
  await apollo.start();

  // Domain events invalidate the shared cache; a dead Redis only delays this, it never fails start-up.
  let invalidator: RunningConsumer | undefined;
  let stopping = false;
  const eventsRedis = connectEventsRedis(redisOf.events, { lazyConnect: true, maxRetriesPerRequest: null });
  eventsRedis.on('error', () => undefined);
  const startInvalidator = async () => {
    while (config.GATEWAY_CACHE && !invalidator && !stopping) {
      try {
        if (eventsRedis.status === 'wait') await eventsRedis.connect();
        invalidator = await startCacheInvalidator({
          redis: eventsRedis,
          store,
          consumer: `${workerName}-${process.pid}`,
          log,
          onInvalidated: (count) => metrics.cacheInvalidations.inc(count),
          readModelDelayMs: config.GATEWAY_CACHE_READ_MODEL_DELAY_MS,
        });
      } catch (error) {
        log.warn({ err: (error as Error).message }, 'cache invalidator could not start; retrying in 2s');
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  };
  void startInvalidator();

  // Subscriptions (graphql-ws on `upgrade`, SSE on `Accept: text/event-stream`), fed by the event stream.
  let subscriptions: RunningSubscriptions | undefined;
  if (config.GATEWAY_SUBSCRIPTIONS) {
    const execute = executeThroughGateway(apollo, log);
    subscriptions = startSubscriptions({
      schema: () => currentApiSchema,
      verify,
      executeAsViewer: (query, variables, subscriber) =>
        execute({ query, variables }, subscriber, { bypassResponseCache: true }),
      executeOperation: (request, subscriber) => execute(request, subscriber, { bypassResponseCache: false }),
      // The same demand control and authorization as HTTP operations, before a subscription is accepted.
      checkOperation: (schema, document, operation, variables, viewer) => {
        if (!config.GATEWAY_ENFORCE_POLICY) return;
        demandControl.check(schema, document, operation, variables);
        authorization.checkSubscription(document, operation, viewer);
      },
      limits: {
        perConnection: config.GATEWAY_SUBSCRIPTIONS_PER_CONNECTION,
        perProcess: config.GATEWAY_MAX_SUBSCRIPTIONS,
        maxQueued: config.GATEWAY_SUBSCRIPTION_QUEUE,
      },
      redis: connectEventsRedis(redisOf.events, { maxRetriesPerRequest: null }).on('error', () => undefined),
      stream: eventsStream(),
      log,
      registry: metrics.registry,
      maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
      keepAliveMs: config.GATEWAY_SUBSCRIPTION_KEEPALIVE_MS,
      production,
    });
    httpServer.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '/').split('?')[0];
      if ((path === '/graphql' || path === '/') && !stopping) subscriptions?.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
  }

  httpServer.on(
    'request',
    gatewayRequestHandler({
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
      readiness: () => ({
        stopping,
        supergraphLoaded,
        redis: cacheRedis.status === 'ready' ? 'up' : 'bypassed',
      }),
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`gateway: port ${config.GATEWAY_PORT} is already in use`)
          : error,
      ),
    );
    httpServer.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, resolve);
  });
  httpServer.keepAliveTimeout = 65_000;
  metrics.workers.set(1);
  const address = httpServer.address() as AddressInfo;
  const url = `http://${reachableHost(config.GATEWAY_HOST)}:${address.port}/graphql`;

  return {
    url,
    server: httpServer,
    log,
    stop: async () => {
      stopping = true;
      await subscriptions?.stop();
      await apollo.stop();
      await invalidator?.stop();
      await registry.stop();
      cacheRedis.disconnect();
      eventsRedis.disconnect();
    },
  };
}
