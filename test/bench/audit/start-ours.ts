/**
 * Starts our gateway for one federation-gateway-audit suite (called by the suite's run.sh): the
 * supergraph the audit just wrote, its own port, fresh development secrets, and a Redis database
 * of its own that is emptied first (the suites reuse queries over different supergraphs; the cache
 * key does not name the supergraph). Everything else is the gateway's defaults, with rate limits
 * raised far above the audit's requests.
 */
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { developmentSecrets } from '@aetherial/subgraph-kit';
import { generousRateLimits } from '../../graph/namespace.js';

const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) {
  console.error('usage: start-ours.ts <supergraph.graphql> <port>');
  process.exit(2);
}
const redisUrl = process.env.AUDIT_REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
try {
  await redis.connect();
  await redis.flushdb();
} catch (error) {
  console.error(
    `audit: Redis ${redisUrl} not reachable (${(error as Error).message}); cache and APQ bypassed`,
  );
} finally {
  redis.disconnect();
}
Object.assign(process.env, {
  ...developmentSecrets(),
  ...generousRateLimits,
  NODE_ENV: 'development',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  SUPERGRAPH_PATH: resolve(supergraphPath),
  GATEWAY_HOST: '127.0.0.1',
  GATEWAY_PORT: port,
  GATEWAY_WORKERS: '1',
  REDIS_URL: redisUrl,
});
await import('../../../gateway/src/index.js');
