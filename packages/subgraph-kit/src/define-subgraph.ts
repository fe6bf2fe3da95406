import type { ApolloServerPlugin } from '@apollo/server';
import { z } from 'zod';
import {
  gatewayTrust,
  allowUnsignedFlag,
  subgraphConfigSchema,
  type SubgraphBaseConfig,
} from './gateway-trust.js';
import { listenAddress } from './listen.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { loadSubgraphSchema } from './schema.js';
import type { CacheTagsOptions } from './cache-tags.js';
import { startSubgraph, type RequestContext, type RunningSubgraph } from './server.js';

type UnsignedShape<Prefix extends string> = { [K in `${Prefix}_ALLOW_UNSIGNED`]: typeof allowUnsignedFlag };

/**
 * The configuration schema of subgraph `name`: what every subgraph reads (NODE_ENV, LOG_LEVEL,
 * REDIS_URL, the gateway's public key and signature window), `<NAME>_HOST`, `<NAME>_PORT`
 * (default `defaultPort`), `<NAME>_ALLOW_UNSIGNED`, and the subgraph's own `settings`.
 */
export function subgraphConfig<const Name extends string, Settings extends z.ZodRawShape>(
  name: Name,
  defaultPort: number,
  settings: Settings,
) {
  const prefix = name.toUpperCase() as Uppercase<Name>;
  const unsigned = { [`${prefix}_ALLOW_UNSIGNED`]: allowUnsignedFlag } as UnsignedShape<Uppercase<Name>>;
  return subgraphConfigSchema.extend({ ...listenAddress(prefix, defaultPort), ...unsigned, ...settings });
}

/** What the kit hands a subgraph's store module and workers: its logger and /metrics registry. */
export interface SubgraphKit {
  log: Logger;
  metrics: Metrics;
}

/** The subgraph's store module once open: its handles, plus readiness and closing. */
export interface OpenStores {
  /** Readiness (`/ready`): throws when a store the subgraph needs does not answer. */
  ready: () => Promise<void>;
  /** Closes the store connections (after in-flight requests drained and the workers stopped). */
  close: () => Promise<void>;
}

/**
 * A background worker (outbox relay, event consumer, indexer): stopped before the stores close.
 * An event consumer registers its lag on the kit's metrics (`registerConsumerLag`).
 */
export interface BackgroundWorker {
  stop: () => Promise<void>;
}

type Workers = Record<string, BackgroundWorker | null | undefined>;

/** What every start takes besides the subgraph's own options (tests: a silent log, port 0). */
export interface StartOverrides {
  log?: Logger;
  port?: number;
}

export interface SubgraphDefinition<
  Config extends SubgraphBaseConfig,
  Options extends object,
  Stores extends OpenStores,
  W extends Workers,
  Context extends RequestContext,
> {
  /** The subgraph's name: its variables' prefix, its logger's and metrics' name, what signatures cover. */
  name: string;
  /** `new URL('../schema.graphql', import.meta.url)`: the kit merges its prelude in. */
  schema: URL;
  /** Resolvers typed by the subgraph (codegen types from its schema). */
  resolvers: object;
  /** Opens the store module: connections, schema set-up, the handles resolvers and workers need. */
  stores: (config: Config, kit: SubgraphKit, options: Options) => Promise<Stores>;
  /** Starts the background workers (each one off by its own flag in the config). */
  workers?: (stores: Stores, config: Config, kit: SubgraphKit, options: Options) => W | Promise<W>;
  /** The per-request context: the base (viewer, request id, log) plus loaders and store handles. */
  context: (base: RequestContext, stores: Stores, workers: W) => Context;
  plugins?: ApolloServerPlugin<Context>[];
  /** How responses are tagged for the gateway's cache (cache-tags.ts): lists any write may change. */
  cacheTags?: CacheTagsOptions;
}

/** A started subgraph: the server, the store handles and the workers (tests reach into them). */
export type StartedSubgraph<Stores extends OpenStores, W extends Workers> = RunningSubgraph &
  Omit<Stores, keyof OpenStores> &
  W;

export interface Subgraph<Config, Options, Stores extends OpenStores, W extends Workers> {
  name: string;
  /** Starts the subgraph with `config` (the subgraph's `load…Config()`); src/index.ts and the tests. */
  start: (config: Config, options?: Options & StartOverrides) => Promise<StartedSubgraph<Stores, W>>;
}

async function stopAll(workers: Workers): Promise<void> {
  for (const worker of Object.values(workers)) await worker?.stop();
}

/**
 * One subgraph, declared: its schema, resolvers, store module, workers and context. The kit owns
 * the rest, the same way for every subgraph: configuration (host, port, the gateway's key and the
 * unsigned flag, refused in production before any store is touched), the logger and /metrics, the
 * schema prelude, the server (`/graphql`, `/health`, `/ready`, `/metrics`), and shutdown in order:
 * drain requests, stop the workers, close the stores. A failed start undoes what it opened.
 */
export function defineSubgraph<
  Config extends SubgraphBaseConfig,
  Options extends object,
  Stores extends OpenStores,
  W extends Workers,
  Context extends RequestContext,
>(definition: SubgraphDefinition<Config, Options, Stores, W, Context>): Subgraph<Config, Options, Stores, W> {
  const { name } = definition;
  const prefix = name.toUpperCase();
  const start = async (config: Config, options?: Options & StartOverrides) => {
    const settings = config as Config & Record<string, unknown>;
    // Refuse a bad key or an unsigned flag in production before any store is touched.
    const trust = gatewayTrust(name, config, settings[`${prefix}_ALLOW_UNSIGNED`] === true);
    const typeDefs = loadSubgraphSchema(definition.schema);
    const log = options?.log ?? createLogger(name, config.LOG_LEVEL);
    const metrics = createMetrics(name);
    const kit: SubgraphKit = { log, metrics };
    const subgraphOptions = (options ?? {}) as Options;
    const stores = await definition.stores(config, kit, subgraphOptions);
    let workers = {} as W;
    try {
      workers = (await definition.workers?.(stores, config, kit, subgraphOptions)) ?? ({} as W);
      const running = await startSubgraph<Context>({
        name,
        typeDefs,
        resolvers: definition.resolvers,
        port: options?.port ?? (settings[`${prefix}_PORT`] as number),
        host: settings[`${prefix}_HOST`] as string,
        trust,
        log,
        metrics,
        context: (base) => definition.context(base, stores, workers),
        ready: stores.ready,
        close: async () => {
          await stopAll(workers);
          await stores.close();
        },
        ...(definition.plugins ? { plugins: definition.plugins } : {}),
        ...(definition.cacheTags ? { cacheTags: definition.cacheTags } : {}),
      });
      const { ready: _ready, close: _close, ...handles } = stores;
      return { ...running, ...handles, ...workers } as StartedSubgraph<Stores, W>;
    } catch (error) {
      await stopAll(workers);
      await stores.close();
      throw error;
    }
  };
  return { name, start };
}
