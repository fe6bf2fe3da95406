import { z } from 'zod';

/** Settings every subgraph reads from the environment. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Shared with the gateway; signs the viewer headers. Must be set in production. */
  GATEWAY_SHARED_SECRET: z.string().min(16).default('aetherial-dev-only-shared-secret'),
});

/** Parses the environment with a schema, failing at start-up with every bad variable named. */
export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
      .join('\n');
    throw new Error(`invalid configuration:\n${problems}`);
  }
  const config = parsed.data as z.infer<S> & { NODE_ENV?: string; GATEWAY_SHARED_SECRET?: string };
  if (
    config.NODE_ENV === 'production' &&
    config.GATEWAY_SHARED_SECRET === 'aetherial-dev-only-shared-secret'
  ) {
    throw new Error('invalid configuration:\n  GATEWAY_SHARED_SECRET: set a real secret in production');
  }
  return config;
}
