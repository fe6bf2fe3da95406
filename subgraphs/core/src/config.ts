import { baseConfigSchema, listenAddress, loadConfig } from '@aetherial/subgraph-kit';
import { z } from 'zod';

/** The gateway verifies tokens with the same secret and the same development default. */
export const DEV_JWT_SECRET = 'aetherial-dev-only-jwt-secret';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const coreConfigSchema = baseConfigSchema.extend({
  ...listenAddress('CORE', 4001),
  CORE_DATABASE_URL: z.string().url().default('postgresql://aetherial:aetherial@127.0.0.1:5432/aetherial'),
  /** Connections in the pool Prisma's pg adapter uses. */
  CORE_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Signs the tokens signUp/logIn return (HS256); shared with the gateway, which verifies them. */
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  /** Apply pending migrations at start-up (several instances may start at once: an advisory lock serialises them). */
  CORE_MIGRATE_ON_START: flag.default(true),
  /** Publish the outbox to Redis from this instance. */
  CORE_OUTBOX_RELAY: flag.default(true),
  /** Accept requests without the gateway's signature (only for exploring this subgraph on its own). */
  CORE_ALLOW_UNSIGNED: flag.default(false),
});

export type CoreConfig = z.infer<typeof coreConfigSchema>;

export function loadCoreConfig(env: NodeJS.ProcessEnv = process.env): CoreConfig {
  // DATABASE_URL is the stack's name for the PostgreSQL URL; CORE_DATABASE_URL wins when both are set.
  const config = loadConfig(coreConfigSchema, {
    ...env,
    CORE_DATABASE_URL: env.CORE_DATABASE_URL ?? env.DATABASE_URL,
  });
  if (config.NODE_ENV === 'production' && config.JWT_SECRET === DEV_JWT_SECRET) {
    throw new Error('invalid configuration:\n  JWT_SECRET: set a real secret in production');
  }
  if (config.NODE_ENV === 'production' && config.CORE_ALLOW_UNSIGNED) {
    throw new Error(
      'invalid configuration:\n  CORE_ALLOW_UNSIGNED: never accept unsigned requests in production',
    );
  }
  return config;
}
