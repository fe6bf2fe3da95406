/**
 * Rebuilds the projection of posts and users (e.g. after Neo4j lost its data): moves the
 * `social-projector` group back to the start of the events stream, so running projectors apply
 * every event again. Versions make this safe on an intact graph: nothing older is re-applied.
 * Complete only for what the stream still holds: relays trim it below the slowest consumer group
 * (packages/events/src/event-log-trim.ts), so events every group acknowledged may be gone.
 */
import { redisUrls } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { loadSocialConfig } from '../src/config.js';

const config = loadSocialConfig();
const redis = new Redis(redisUrls(config).events, { maxRetriesPerRequest: 3 });
try {
  await redis
    .call('XGROUP', 'CREATE', config.EVENTS_STREAM, config.SOCIAL_PROJECTOR_GROUP, '0', 'MKSTREAM')
    .catch((error: unknown) => {
      if (!String(error).includes('BUSYGROUP')) throw error;
    });
  await redis.call('XGROUP', 'SETID', config.EVENTS_STREAM, config.SOCIAL_PROJECTOR_GROUP, '0');
  const length = await redis.xlen(config.EVENTS_STREAM);
  console.log(
    `${config.SOCIAL_PROJECTOR_GROUP} will replay ${length} events of ${config.EVENTS_STREAM} from the start`,
  );
} finally {
  redis.disconnect();
}
