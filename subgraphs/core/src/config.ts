import { envFlag, loadConfig, subgraphConfig } from '@aetherial/subgraph-kit';
import { z } from 'zod';

/** CORE_HOST, CORE_PORT (4001), CORE_ALLOW_UNSIGNED and the kit's settings, plus: */
export const coreConfigSchema = subgraphConfig('core', 4001, {
  CORE_DATABASE_URL: z.string().url().default('postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial'),
  /** Connections in the pool Prisma's pg adapter uses. */
  CORE_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Signs the tokens signUp/logIn return (HS256); the gateway verifies them with the same value.
   * No default: the subgraph refuses to start without it (commands such as `migrate` do not need it).
   */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (256 bits for HS256)').optional(),
  /** The `aud` of the tokens; the gateway checks it (its JWT_AUDIENCE). */
  JWT_AUDIENCE: z.string().min(1).default('aetherial-graph'),
  /** Access tokens are short-lived: sign in again after this long. */
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(24 * 60 * 60)
    .default(60 * 60),
  /** Apply pending migrations at start-up (several instances may start at once: an advisory lock serialises them). */
  CORE_MIGRATE_ON_START: envFlag(true),
  /** Publish the outbox to Redis from this instance. */
  CORE_OUTBOX_RELAY: envFlag(true),
});

export type CoreConfig = z.infer<typeof coreConfigSchema>;

export function loadCoreConfig(env: NodeJS.ProcessEnv = process.env): CoreConfig {
  // DATABASE_URL is the stack's name for the PostgreSQL URL; CORE_DATABASE_URL wins when both are set.
  return loadConfig(coreConfigSchema, {
    ...env,
    CORE_DATABASE_URL: env.CORE_DATABASE_URL ?? env.DATABASE_URL,
  });
}
