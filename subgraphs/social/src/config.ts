import { hostname } from 'node:os';
import { envFlag, loadConfig, subgraphConfig } from '@aetherial/subgraph-kit';
import { DEFAULT_EVENTS_STREAM } from '@aetherial/events';
import { z } from 'zod';

/** SOCIAL_HOST, SOCIAL_PORT (4003), SOCIAL_ALLOW_UNSIGNED and the kit's settings, plus: */
export const socialConfigSchema = subgraphConfig('social', 4003, {
  NEO4J_URL: z
    .string()
    .regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\/.+/, 'must be a bolt:// or neo4j:// URL')
    // Loopback by address: `localhost` may resolve to ::1 where Neo4j does not listen.
    .default('bolt://127.0.0.1:7687'),
  /** Auth is off in development; real deployments set both. */
  NEO4J_USER: z.string().min(1).optional(),
  NEO4J_PASSWORD: z.string().min(1).optional(),
  /** Only for Enterprise servers with several databases; Community has just the default one. */
  NEO4J_DATABASE: z.string().min(1).optional(),
  /** Runs the projector of content/core events in this process. */
  SOCIAL_PROJECTOR: envFlag(true),
  /** Publishes social's own events (likes, follows) from its Neo4j outbox in this process. */
  SOCIAL_RELAY: envFlag(true),
  EVENTS_STREAM: z.string().min(1).default(DEFAULT_EVENTS_STREAM),
  SOCIAL_PROJECTOR_GROUP: z.string().min(1).default('social-projector'),
  /** Stable per replica, so a restarted replica resumes its own pending entries first. */
  SOCIAL_PROJECTOR_CONSUMER: z.string().min(1).default(`social-${hostname()}`),
});

export type SocialConfig = z.infer<typeof socialConfigSchema>;

export function loadSocialConfig(env: NodeJS.ProcessEnv = process.env): SocialConfig {
  const config = loadConfig(socialConfigSchema, env);
  if ((config.NEO4J_USER === undefined) !== (config.NEO4J_PASSWORD === undefined)) {
    throw new Error('invalid configuration:\n  NEO4J_USER, NEO4J_PASSWORD: set both or neither');
  }
  return config;
}
