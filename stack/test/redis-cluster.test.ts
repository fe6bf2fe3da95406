/**
 * Smoke test of the opt-in Redis Cluster (`npm run stack -- up redis-cluster`), through ioredis'
 * cluster client as the gateway uses it. Skipped, saying so, when the cluster is not running.
 */
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisCluster } from '../src/stores/redis-cluster.js';
import { storeUrl } from '../src/url.js';

const url = storeUrl(redisCluster);
const runId = randomUUID().slice(0, 8);

const running = await redisCluster.probe(url, undefined as never).then(
  () => true,
  (error: Error) => {
    console.warn(
      `redis-cluster smoke skipped: the cluster at ${url} is not running (${error.message}); ` +
        'start it with: npm run stack -- up redis-cluster',
    );
    return false;
  },
);

describe.skipIf(!running)('stack smoke: redis-cluster', () => {
  it('spreads keys over 3 masters and runs a multi-key command on hash-tagged keys', async () => {
    const cluster = new Cluster([{ host: url.hostname, port: Number(url.port) }]);
    try {
      await cluster.set(`smoke:${runId}:a`, '1'); // the first command discovers the nodes
      expect(cluster.nodes('master')).toHaveLength(3);
      const roles = ((await cluster.cluster('NODES')) as string)
        .trim()
        .split('\n')
        .map((line) => (line.includes('master') ? 'master' : 'replica'));
      expect(roles.sort()).toEqual(['master', 'master', 'master', 'replica', 'replica', 'replica']);
      const slots = (await cluster.cluster('SLOTS')) as [number, number, ...unknown[]][];
      expect(slots.reduce((sum, [from, to]) => sum + to - from + 1, 0)).toBe(16384);
      // Keys of one hash tag share a slot, so MSET/MGET over them work; keys across slots are refused.
      const tagged = [`{smoke:${runId}}:x`, `{smoke:${runId}}:y`];
      await cluster.mset(tagged[0]!, 'x', tagged[1]!, 'y');
      expect(await cluster.mget(...tagged)).toEqual(['x', 'y']);
      await expect(cluster.mget(`a:${runId}`, `b:${runId}`)).rejects.toThrow(/CROSSSLOT/);
      const id = await cluster.xadd(`smoke:${runId}:stream`, '*', 'hello', 'world');
      expect(await cluster.xrange(`smoke:${runId}:stream`, '-', '+')).toEqual([[id, ['hello', 'world']]]);
      await Promise.all(
        [...tagged, `smoke:${runId}:a`, `smoke:${runId}:stream`].map((key) => cluster.del(key)),
      );
    } finally {
      cluster.disconnect();
    }
  });
});
