import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { developmentSecrets } from '@aetherial/subgraph-kit';
import { generousRateLimits } from '../../graph/namespace.js';
import {
  HIVE_ROUTER_OVERRIDE_ENV,
  HIVE_ROUTER_VERSION,
  hiveRouterBinary,
  writeHiveRouterConfig,
} from './hive-router.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export type GatewayKind = 'ours' | 'apollo-stock' | 'hive' | 'hive-router';

/** One gateway configuration under test. */
export interface GatewayVariant {
  id: string;
  label: string;
  kind: GatewayKind;
  /** Our response cache on (needs Redis). */
  cache: boolean;
  /** Ours: identical in-flight subgraph queries share one call (GATEWAY_DEDUPE_INFLIGHT, on by default). */
  dedupe?: boolean;
  /** Ours: authorization directives and demand control before planning (GATEWAY_ENFORCE_POLICY, on by default). */
  policy?: boolean;
  /** Ours: who runs the query plans (GATEWAY_EXECUTOR, ours by default). */
  executor?: 'apollo' | 'lean';
  /** Ours: node flags, the start scripts' by default (`--max-semi-space-size=32`). */
  nodeFlags?: string[];
  /** Ours: the compiled build as deployed (`npm run start:prod`: node, dist/, no tsx), not the sources. */
  built?: boolean;
  /**
   * Serving processes: cluster workers (ours) or forks (Hive Gateway); 1 = a single process.
   * Hive Router is always one process: this is its number of HTTP worker threads (`http.workers`).
   */
  processes: number;
  /** How it is started, for the report. */
  describe: string;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface LaunchContext {
  port: number;
  supergraphPath: string;
  /** Redis URL (own database) for our cached variants. */
  redisUrl: string;
  /** Scratch directory, the working directory of gateways that look for config files in it. */
  workDir: string;
}

/** Every variant, in report order. `workers` > 1 adds the multi-process variants. */
export function gatewayVariants(workers: number): GatewayVariant[] {
  const variants: GatewayVariant[] = [
    {
      id: 'apollo-stock',
      label: 'stock @apollo/gateway',
      kind: 'apollo-stock',
      cache: false,
      processes: 1,
      describe: '@apollo/gateway 2.14 + @apollo/server 5 startStandaloneServer, defaults',
    },
    {
      id: 'hive',
      label: 'Hive Gateway',
      kind: 'hive',
      cache: false,
      processes: 1,
      describe: '@graphql-hive/gateway CLI `supergraph`, defaults',
    },
  ];
  if (workers > 1) {
    variants.push({
      id: `hive-fork${workers}`,
      label: `Hive Gateway --fork ${workers}`,
      kind: 'hive',
      cache: false,
      processes: workers,
      describe: `@graphql-hive/gateway CLI \`supergraph --fork ${workers}\``,
    });
  }
  // The fastest peer: a Rust router, one worker thread (like one of our workers) and one per core.
  for (const threads of workers > 1 ? [1, workers] : [1]) {
    variants.push({
      id: `hive-router-${threads}w`,
      label: `Hive Router, ${threads} worker${threads > 1 ? 's' : ''}`,
      kind: 'hive-router',
      cache: false,
      processes: threads,
      describe: `hive_router ${HIVE_ROUTER_VERSION} (cargo install, release), one process, http.workers: ${threads}, defaults otherwise`,
    });
  }
  // What the transport alone gives, without sharing in-flight queries (stock Apollo shares none).
  variants.push({
    id: 'ours-nodedupe-1w',
    label: 'ours, cache off, no dedupe, 1 worker',
    kind: 'ours',
    cache: false,
    dedupe: false,
    processes: 1,
    describe:
      'gateway/src/index.ts, GATEWAY_CACHE=false, GATEWAY_DEDUPE_INFLIGHT=false, GATEWAY_WORKERS=1, LOG_LEVEL=warn',
  });
  // The same gateway without authorization and cost analysis: what they cost per request.
  variants.push({
    id: 'ours-nopolicy-1w',
    label: 'ours, cache off, no authorization/cost analysis, 1 worker',
    kind: 'ours',
    cache: false,
    policy: false,
    processes: 1,
    describe:
      'gateway/src/index.ts, GATEWAY_CACHE=false, GATEWAY_ENFORCE_POLICY=false, GATEWAY_WORKERS=1, LOG_LEVEL=warn',
  });
  const counts = workers > 1 ? [1, workers] : [1];
  // Apollo's own executor (GATEWAY_EXECUTOR=apollo) instead of our leaner one over the same plans.
  for (const processes of counts) {
    variants.push({
      id: `ours-apollo-executor-nocache-${processes}w`,
      label: `ours, Apollo's executor, cache off, ${processes} worker${processes > 1 ? 's' : ''}`,
      kind: 'ours',
      cache: false,
      executor: 'apollo',
      processes,
      describe: `gateway/src/index.ts, GATEWAY_EXECUTOR=apollo, GATEWAY_CACHE=false, GATEWAY_WORKERS=${processes}, LOG_LEVEL=warn`,
    });
  }
  // As deployed: the compiled build under plain node (the other variants of ours run the sources through tsx).
  variants.push({
    id: 'ours-nocache-1w-built',
    label: 'ours, cache off, compiled build (start:prod), 1 worker',
    kind: 'ours',
    cache: false,
    built: true,
    processes: 1,
    describe:
      'gateway dist/index.js (npm run build) with node --conditions=production, GATEWAY_CACHE=false, GATEWAY_WORKERS=1, LOG_LEVEL=warn',
  });
  // The same with V8's default young generation (16 MiB semi-spaces): less memory, more GC.
  variants.push({
    id: 'ours-nocache-1w-default-gc',
    label: 'ours, cache off, V8 default semi-space, 1 worker',
    kind: 'ours',
    cache: false,
    nodeFlags: [],
    processes: 1,
    describe:
      'gateway/src/index.ts without --max-semi-space-size, GATEWAY_CACHE=false, GATEWAY_WORKERS=1, LOG_LEVEL=warn',
  });
  for (const cache of [false, true]) {
    for (const processes of counts) {
      variants.push({
        id: `ours-${cache ? 'cache' : 'nocache'}-${processes}w`,
        label: `ours, cache ${cache ? 'on' : 'off'}, ${processes} worker${processes > 1 ? 's' : ''}`,
        kind: 'ours',
        cache,
        processes,
        describe: `gateway/src/index.ts, GATEWAY_CACHE=${cache}, GATEWAY_WORKERS=${processes}, LOG_LEVEL=warn`,
      });
    }
  }
  return variants;
}

const TSX = ['--import', 'tsx'];
const benchSecrets = developmentSecrets();

export function launchSpec(variant: GatewayVariant, context: LaunchContext): LaunchSpec {
  const base = { ...process.env, LOG_LEVEL: 'warn' };
  switch (variant.kind) {
    case 'ours':
      return {
        command: process.execPath,
        // The node flag the gateway's start scripts pass (gateway/src/index.ts, GATEWAY_NODE_FLAGS).
        args: [
          ...(variant.nodeFlags ?? ['--max-semi-space-size=32']),
          ...(variant.built ? ['--conditions=production', 'dist/index.js'] : [...TSX, 'src/index.ts']),
        ],
        cwd: resolve(REPO_ROOT, 'gateway'),
        env: {
          ...base,
          // Ours has no default secrets; the fixture subgraphs ignore the signatures it sends.
          ...benchSecrets,
          SUPERGRAPH_PATH: context.supergraphPath,
          GATEWAY_HOST: '127.0.0.1',
          GATEWAY_PORT: String(context.port),
          GATEWAY_CACHE: String(variant.cache),
          GATEWAY_DEDUPE_INFLIGHT: String(variant.dedupe ?? true),
          GATEWAY_ENFORCE_POLICY: String(variant.policy ?? true),
          GATEWAY_EXECUTOR: variant.executor ?? 'lean',
          GATEWAY_WORKERS: String(variant.processes),
          REDIS_URL: context.redisUrl,
          ...generousRateLimits,
        },
      };
    case 'apollo-stock':
      return {
        command: process.execPath,
        args: [...TSX, resolve(import.meta.dirname, 'apollo-stock.ts')],
        cwd: REPO_ROOT,
        env: { ...base, SUPERGRAPH_PATH: context.supergraphPath, GATEWAY_PORT: String(context.port) },
      };
    case 'hive': {
      const bin = realpathSync(resolve(REPO_ROOT, 'node_modules/.bin/hive-gateway'));
      const fork = variant.processes > 1 ? ['--fork', String(variant.processes)] : [];
      return {
        command: process.execPath,
        args: [
          bin,
          'supergraph',
          context.supergraphPath,
          '--host',
          '127.0.0.1',
          '--port',
          String(context.port),
          ...fork,
        ],
        cwd: context.workDir,
        env: base,
      };
    }
    case 'hive-router': {
      const env: NodeJS.ProcessEnv = {
        ...base,
        ROUTER_CONFIG_FILE_PATH: writeHiveRouterConfig(context.workDir, {
          supergraphPath: context.supergraphPath,
          port: context.port,
          workers: variant.processes,
        }),
      };
      for (const name of HIVE_ROUTER_OVERRIDE_ENV) delete env[name];
      return { command: hiveRouterBinary, args: [], cwd: context.workDir, env };
    }
  }
}
