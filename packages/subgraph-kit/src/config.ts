import { z } from 'zod';

/** Settings every process reads from the environment. No secret has a default: see requireSecret. */
export const baseConfigSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /**
   * The Redis of the event stream and its consumer groups (maxmemory-policy noeviction), and the
   * one of the response cache, APQ and rate limits (an evicting policy). Both REDIS_URL when unset
   * (one Redis in development); see redisUrls.
   */
  EVENTS_REDIS_URL: z.string().url().optional(),
  CACHE_REDIS_URL: z.string().url().optional(),
  /** How often a relay trims the event stream below its slowest consumer group and purges its outbox; 0 = never. */
  EVENTS_TRIM_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
  /** Dead-letter entries are kept this long, then trimmed. */
  EVENTS_DEAD_LETTER_RETENTION_HOURS: z.coerce
    .number()
    .min(0)
    .default(7 * 24),
  /** Published outbox rows are kept this long (to look into what went out), then deleted in batches. */
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  OUTBOX_PURGE_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
  /**
   * How often a read model forgets tombstones no late event can need any more (written before the
   * oldest event the log still holds; @aetherial/events' purgeTombstones); 0 = never.
   */
  TOMBSTONE_PURGE_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** A tombstone is kept at least this long, whatever the log holds. */
  TOMBSTONE_MIN_AGE_HOURS: z.coerce.number().min(0).default(24),
});

type BaseConfig = z.infer<typeof baseConfigSchema>;

/** The Redis of each role: EVENTS_REDIS_URL / CACHE_REDIS_URL, else REDIS_URL. */
export function redisUrls(config: Pick<BaseConfig, 'REDIS_URL' | 'EVENTS_REDIS_URL' | 'CACHE_REDIS_URL'>): {
  events: string;
  cache: string;
} {
  return {
    events: config.EVENTS_REDIS_URL ?? config.REDIS_URL,
    cache: config.CACHE_REDIS_URL ?? config.REDIS_URL,
  };
}

const HOUR_MS = 60 * 60 * 1000;

/** The relay's housekeeping settings (@aetherial/events' EventLogHousekeeping) from the environment. */
export function eventLogHousekeeping(
  config: Pick<
    BaseConfig,
    | 'EVENTS_TRIM_INTERVAL_MS'
    | 'EVENTS_DEAD_LETTER_RETENTION_HOURS'
    | 'OUTBOX_RETENTION_HOURS'
    | 'OUTBOX_PURGE_BATCH'
  >,
): {
  intervalMs: number;
  deadLetterRetentionMs: number;
  outboxRetentionMs: number;
  outboxPurgeBatch: number;
} {
  return {
    intervalMs: config.EVENTS_TRIM_INTERVAL_MS,
    deadLetterRetentionMs: config.EVENTS_DEAD_LETTER_RETENTION_HOURS * HOUR_MS,
    outboxRetentionMs: config.OUTBOX_RETENTION_HOURS * HOUR_MS,
    outboxPurgeBatch: config.OUTBOX_PURGE_BATCH,
  };
}
/** The read models' tombstone purge settings (@aetherial/events' startTombstonePurge) from the environment. */
export function tombstonePurgeSettings(
  config: Pick<BaseConfig, 'TOMBSTONE_PURGE_INTERVAL_MS' | 'TOMBSTONE_MIN_AGE_HOURS'>,
): { intervalMs: number; minAgeMs: number } {
  return {
    intervalMs: config.TOMBSTONE_PURGE_INTERVAL_MS,
    minAgeMs: config.TOMBSTONE_MIN_AGE_HOURS * HOUR_MS,
  };
}

/**
 * A yes/no setting (`<NAME>_RELAY`, `<NAME>_ALLOW_UNSIGNED`, …): exactly `true` or `false`, the one
 * boolean parser of every process, so a typo (`ture`, `yes`, `1`) is a refusal naming the variable
 * rather than a silent default.
 */
export const envFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true');

/** The error every start-up refusal throws: each variable named with what is wrong with it. */
export function configurationError(problems: Record<string, string>): Error {
  const lines = Object.entries(problems).map(([variable, problem]) => `  ${variable}: ${problem}`);
  return new Error(`invalid configuration:\n${lines.join('\n')}`);
}

/** Where a missing secret comes from, for the refusal's message. */
export const SECRET_HINT = 'npm start and the tests generate one; `npm run secrets` prints a fresh set';

/** A secret a process cannot run without: no default, refused when short. */
export const secretSetting = (minLength: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `required (${SECRET_HINT})` : undefined) })
    .min(minLength, `must be at least ${minLength} characters`);

/** The value of a setting only some commands of a process need, or a refusal naming it. */
export function requireSetting<T>(
  value: T | undefined,
  variable: string,
  problem = `required (${SECRET_HINT})`,
): T {
  if (value === undefined || value === '') throw configurationError({ [variable]: problem });
  return value;
}

/** Parses the environment with a schema, failing at start-up with every bad variable named. */
export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems: Record<string, string> = {};
    for (const issue of parsed.error.issues) problems[issue.path.join('.')] = issue.message;
    throw configurationError(problems);
  }
  return parsed.data as z.infer<S>;
}
