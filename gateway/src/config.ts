import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  baseConfigSchema,
  listenAddress,
  configurationError,
  envFlag,
  loadConfig,
  parsePrivateKey,
  secretSetting,
  SigningKeyError,
} from '@aetherial/subgraph-kit';
import { z } from 'zod';

const repoRoot = resolve(import.meta.dirname, '../..');

export const gatewayConfigSchema = baseConfigSchema.extend({
  ...listenAddress('GATEWAY', 4000),
  SUPERGRAPH_PATH: z.string().default(resolve(repoRoot, 'supergraph.graphql')),
  /** Verifies the tokens core issues (HS256); required unless JWT_JWKS_URL is set. No default. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits for HS256)').optional(),
  /** An identity provider's JWKS (RS256/ES256 tokens) instead of core's HS256 tokens. */
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().min(1).default('aetherial-core'),
  JWT_AUDIENCE: z.string().min(1).default('aetherial-graph'),
  /** Signs every subgraph call (Ed25519, PEM or base64 DER); subgraphs hold only the public key. */
  GATEWAY_SIGNING_PRIVATE_KEY: secretSetting(1),
  GATEWAY_CACHE: envFlag(true),
  /** Cache hits served as stored bytes before Apollo Server's pipeline (src/fast-path); false: every hit through it. */
  GATEWAY_CACHE_FAST_PATH: envFlag(true),
  /**
   * An event's tags are dropped again this long after it arrives, once the read models (search,
   * semantic: about 0.3–1.5 s measured) have applied it too. 0 turns the second drop off.
   */
  GATEWAY_CACHE_READ_MODEL_DELAY_MS: z.coerce.number().int().min(0).default(2000),
  GATEWAY_WORKERS: z.coerce.number().int().min(1).default(Math.min(availableParallelism(), 4)),
  GATEWAY_MAX_DEPTH: z.coerce.number().int().min(1).default(12),
  GATEWAY_MAX_ALIASES: z.coerce.number().int().min(1).default(30),
  GATEWAY_MAX_COST: z.coerce.number().int().min(1).default(20_000),
  /** Items assumed for a list field whose size no argument, default or @listSize gives. */
  GATEWAY_COST_DEFAULT_LIST_SIZE: z.coerce.number().int().min(1).default(20),
  /**
   * Authorization directives and demand control (depth, aliases, cost) before planning. Only the
   * benchmark turns them off, to measure what they cost; production refuses false.
   */
  GATEWAY_ENFORCE_POLICY: envFlag(true),
  /** Rate limits (Redis, per-process memory while Redis is down); points per window. */
  GATEWAY_RATE_LIMIT: envFlag(true),
  GATEWAY_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).default(60),
  GATEWAY_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(600),
  GATEWAY_RATE_LIMIT_PER_VIEWER: z.coerce.number().int().min(1).default(300),
  /** logIn/signUp attempts (each an argon2 check) per client IP and per account. */
  GATEWAY_RATE_LIMIT_AUTH_PER_IP: z.coerce.number().int().min(1).default(10),
  GATEWAY_RATE_LIMIT_AUTH_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  /** Take the client IP from X-Forwarded-For (only behind a proxy that sets it). */
  GATEWAY_TRUST_PROXY: envFlag(false),
  GATEWAY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  GATEWAY_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Identical queries in flight at once (same subgraph, viewer, operation, variables) share one call. */
  GATEWAY_DEDUPE_INFLIGHT: envFlag(true),
  /**
   * Who runs Apollo's query plans: this gateway's leaner executor (src/executor; byte-for-byte
   * Apollo's answers, the same federation-gateway-audit cases), or Apollo's own executor.
   */
  GATEWAY_EXECUTOR: z.enum(['apollo', 'lean']).default('lean'),
  GATEWAY_QUERY_PLAN_CACHE_MIB: z.coerce.number().int().min(1).default(30),
  /**
   * Redis commands of the cache give up after this long: a slow Redis must not slow answers. Not
   * lower: the timer runs on the gateway's own event loop, and under CPU load a tighter one turned
   * the cache off exactly when it was needed (measured in test/bench).
   */
  GATEWAY_REDIS_TIMEOUT_MS: z.coerce.number().int().min(10).default(500),
  /** Subscriptions over graphql-ws and SSE on /graphql, fed by the domain-event stream. */
  GATEWAY_SUBSCRIPTIONS: envFlag(true),
  GATEWAY_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(10),
  /** Active subscriptions of one gateway process (each worker), over every connection. */
  GATEWAY_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(10_000),
  /** Events waiting for one subscription before it is ended as a slow consumer. */
  GATEWAY_SUBSCRIPTION_QUEUE: z.coerce.number().int().min(1).default(100),
  /** WebSocket ping interval; a connection that misses a pong within it is dropped. */
  GATEWAY_SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().min(0).default(12_000),
  /** What a browser gets on GET /graphql (src/explorer/mode.ts): graphiql in development, off in production. */
  GATEWAY_EXPLORER: z.enum(['graphiql', 'sandbox', 'off']).optional(),
  /** Where the supergraph comes from: SUPERGRAPH_PATH (development) or the schema registry (deployment). */
  SUPERGRAPH_SOURCE: z.enum(['file', 'registry']).default('file'),
  /** The schema registry's PostgreSQL; when set, the gateway also records field usage there. */
  SCHEMA_REGISTRY_URL: z.string().url().optional(),
  SUPERGRAPH_POLL_MS: z.coerce.number().int().min(100).default(2000),
  GATEWAY_USAGE_FLUSH_MS: z.coerce.number().int().min(100).default(5000),
  GATEWAY_USAGE_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  APOLLO_KEY: z.string().optional(),
  APOLLO_GRAPH_REF: z.string().optional(),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** The settings start-up checks beyond their types: which token verification, and the signing key. */
export function checkGatewaySecrets(config: GatewayConfig): { signingKey: KeyObject } {
  if (!config.JWT_SECRET && !config.JWT_JWKS_URL)
    throw configurationError({
      JWT_SECRET:
        'required (or JWT_JWKS_URL): npm start and the tests generate one; `npm run secrets` prints a fresh set',
    });
  if (config.JWT_JWKS_URL && config.NODE_ENV === 'production' && !config.JWT_JWKS_URL.startsWith('https:'))
    throw configurationError({ JWT_JWKS_URL: 'must be https in production' });
  try {
    return { signingKey: parsePrivateKey(config.GATEWAY_SIGNING_PRIVATE_KEY) };
  } catch (error) {
    if (!(error instanceof SigningKeyError)) throw error;
    throw configurationError({ GATEWAY_SIGNING_PRIVATE_KEY: error.message.replace(/^[A-Z_]+: /, '') });
  }
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(gatewayConfigSchema, env);
  checkGatewaySecrets(config);
  if (config.NODE_ENV === 'production' && !config.GATEWAY_ENFORCE_POLICY) {
    throw new Error('invalid configuration:\n  GATEWAY_ENFORCE_POLICY: must be true in production');
  }
  return config;
}

/** `CORE_SUBGRAPH_URL` overrides the routing URL of subgraph `core` in the supergraph. */
export function subgraphUrlOverride(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`${name.toUpperCase()}_SUBGRAPH_URL`] || undefined;
}
