/**
 * Rebuilds the projection of posts and users (e.g. after Neo4j lost its data): moves the
 * `social-projector` group back to the start of every partition of the events log, so running
 * projectors apply every event again. Versions make this safe on an intact graph: nothing older is
 * re-applied. Complete only for what the log still holds: relays trim it below the slowest consumer
 * group (packages/events/src/event-log-trim.ts), so events every group acknowledged may be gone.
 */
import { connectEventsRedis, eventPartitions, rewindGroup } from '@aetherial/events';
import { redisUrls } from '@aetherial/subgraph-kit';
import { loadSocialConfig } from '../src/config.js';

const config = loadSocialConfig();
const redis = connectEventsRedis(redisUrls(config).events, { maxRetriesPerRequest: 3 });
try {
  const rewound = await rewindGroup(
    redis,
    config.EVENTS_STREAM,
    config.SOCIAL_PROJECTOR_GROUP,
    eventPartitions(),
  );
  for (const { stream, entries } of rewound)
    console.log(`${config.SOCIAL_PROJECTOR_GROUP} will replay ${entries} events of ${stream} from the start`);
} finally {
  redis.disconnect();
}
