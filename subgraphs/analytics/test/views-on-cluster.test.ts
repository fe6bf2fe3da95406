import { connectEventsRedis, type EventsRedis } from '@aetherial/events';
import { callAsGateway } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Influx } from '../src/influx.js';
import { applyPostChanges, knownPostsKey } from '../src/known-posts.js';
import { createSubgraph, redisKeyPrefix, type RunningAnalytics } from '../src/subgraph.js';
import { hexId, newRunId, testConfig } from './helpers.js';

/**
 * Views on the stack's Redis Cluster (`npm run stack -- up redis-cluster`): a batch reads the
 * known posts and sets its marks in one pipeline, which a cluster runs only within one slot, so
 * the keys share a hash tag there. Skipped, saying so, when the cluster is not running.
 */
const clusterUrl = process.env.REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7001';
const config = testConfig(newRunId(), { EVENTS_REDIS_URL: clusterUrl });

async function reachable(): Promise<EventsRedis | undefined> {
  const client = connectEventsRedis(clusterUrl, { maxRetriesPerRequest: 0, connectTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 3 s')), 3000)),
    ]);
    return client;
  } catch (error) {
    client.disconnect();
    console.warn(
      `analytics views on Redis Cluster skipped: no cluster at ${clusterUrl} (${(error as Error).message}); ` +
        'start it with: npm run stack -- up redis-cluster',
    );
    return undefined;
  }
}

const cluster = await reachable();
let analytics: RunningAnalytics;

describe.skipIf(!cluster)('views on a Redis Cluster', () => {
  beforeAll(async () => {
    analytics = await createSubgraph(config);
  });

  afterAll(async () => {
    await analytics?.stop();
    const prefix = redisKeyPrefix(config);
    for (const key of [knownPostsKey(prefix), ...(await scanAll(`${prefix}:*`))]) await cluster?.del(key);
    cluster?.disconnect();
    await new Influx(config).influxql(`DROP DATABASE "${config.INFLUXDB_DATABASE}"`).catch(() => undefined);
  });

  /** The prefix's keys live in one slot, so one master holds them all. */
  async function scanAll(pattern: string): Promise<string[]> {
    if (!cluster || !('nodes' in cluster)) return [];
    const keys: string[] = [];
    for (const node of cluster.nodes('master')) keys.push(...(await node.keys(pattern)));
    return keys;
  }

  it('keeps the keys of a database under one hash tag and counts a batch of views as on one Redis', async () => {
    const prefix = redisKeyPrefix(config);
    expect(prefix).toBe(`{analytics:${config.INFLUXDB_DATABASE}}`);
    const post = hexId();
    await applyPostChanges(cluster!, knownPostsKey(prefix), [[post, 1]]);
    const answer = await callAsGateway<{
      recordViews: { recorded: number; duplicates: number; ignored: number };
    }>(
      analytics,
      `mutation($views: [ViewInput!]!) { recordViews(views: $views) { recorded duplicates ignored } }`,
      // Keys of many posts: without the hash tag they fall on every master and the pipeline is refused.
      {
        views: [
          { postId: post },
          { postId: post },
          ...Array.from({ length: 10 }, () => ({ postId: hexId() })),
        ],
      },
      'viewer-on-cluster',
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.recordViews).toEqual({ recorded: 1, duplicates: 1, ignored: 10 });
  });
});
