/**
 * `npm run partitions -w @aetherial/events -- <N>`: records N as the event log's partition count
 * (EVENTS_STREAM on EVENTS_REDIS_URL, else REDIS_URL), refused while the log still holds events
 * not every consumer group acknowledged. Run with the relays stopped; then start every process
 * with EVENTS_PARTITIONS=N.
 */
import { eventsStream } from '../src/event.js';
import { setPartitionLayout } from '../src/partition-layout.js';
import { eventPartitions } from '../src/partitions.js';
import { connectEventsRedis } from '../src/redis-connection.js';

if (!process.argv[2]) {
  console.error('usage: npm run partitions -w @aetherial/events -- <N>');
  process.exit(2);
}
const partitions = eventPartitions(process.argv[2]);
const url = process.env.EVENTS_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const stream = eventsStream();
const redis = connectEventsRedis(url, { maxRetriesPerRequest: 3 });
try {
  const previous = await setPartitionLayout(redis, stream, partitions);
  console.log(`${stream}: ${partitions} partitions (was ${previous ?? 'not recorded'})`);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  redis.disconnect();
}
