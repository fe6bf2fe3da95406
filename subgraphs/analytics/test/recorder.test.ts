import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { deadLetterStream, type DomainEvent, type RunningConsumer } from '@aetherial/events';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsConfig } from '../src/config.js';
import { Influx } from '../src/influx.js';
import { eventPoints, startRecorder } from '../src/recorder.js';
import { ensureSchema } from '../src/rollups.js';
import { AnalyticsStore } from '../src/store.js';
import { redisKeyPrefix } from '../src/subgraph.js';
import { connectRedis, dropRun, event, hexId, newRunId, publish, testConfig } from './helpers.js';

const config: AnalyticsConfig = testConfig(newRunId(), {
  ANALYTICS_RECORDER_GROUP: 'analytics-recorder-test',
});
const silent = pino({ level: 'silent' });
let influx: Influx;
let store: AnalyticsStore;
let redis: Redis;
const running: RunningConsumer[] = [];

function recorder(consumer: string, target: Influx = influx): RunningConsumer {
  const started = startRecorder({
    influx: target,
    redis,
    log: silent,
    keyPrefix: redisKeyPrefix(config),
    retentions: config,
    stream: config.EVENTS_STREAM,
    group: config.ANALYTICS_RECORDER_GROUP,
    consumer,
    blockMs: 100,
    maxRetryDelayMs: 50,
    maxDeliveries: 2,
  });
  running.push(started);
  return started;
}

beforeAll(async () => {
  influx = new Influx(config);
  store = new AnalyticsStore(influx);
  redis = connectRedis(config);
  await ensureSchema(influx, config);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

afterAll(async () => {
  redis.disconnect();
  await dropRun(config);
});

const totals = async (postIds: string[]) => {
  const rows = await store.postTotals(postIds);
  return Object.fromEntries(
    postIds.map((id) => [
      id,
      Object.fromEntries(rows.filter((row) => row.post === id).map((row) => [row.metric, row.count])),
    ]),
  );
};

/** A burst on three posts: comments, likes and an unlike, at the same millisecond where it can. */
function burst(posts: string[]): DomainEvent[] {
  const [a, b, c] = posts as [string, string, string];
  const at = new Date();
  const comment = (post: string) =>
    event('CommentAdded', 'Comment', hexId(), { id: hexId(), postId: post, authorId: hexId() }, at);
  const like = (type: 'PostLiked' | 'PostUnliked', post: string, user = hexId()) =>
    event(type, 'Like', `${post}-${user}`, { postId: post, userId: user }, at);
  const liker = hexId();
  return [
    ...posts.map((post) => event('PostCreated', 'Post', post, { id: post, authorId: hexId() }, at)),
    ...Array.from({ length: 5 }, () => comment(a)),
    ...Array.from({ length: 3 }, () => comment(b)),
    ...Array.from({ length: 4 }, () => like('PostLiked', a)),
    like('PostLiked', c, liker),
    like('PostUnliked', c, liker),
    ...Array.from({ length: 6 }, () => like('PostLiked', c)),
  ];
}

describe('the recorder', () => {
  it('counts a burst exactly, and the same burst delivered again changes nothing', async () => {
    const posts = [hexId(), hexId(), hexId()];
    const events = burst(posts);
    await publish(redis, config.EVENTS_STREAM, events);
    const first = recorder('first');
    await first.drained();
    const expected = {
      [posts[0]!]: { comment: 5, like: 4 },
      [posts[1]!]: { comment: 3 },
      [posts[2]!]: { like: 6 },
    };
    expect(await totals(posts)).toEqual(expected);

    // Redelivery: the relay published the same events again (crash before markPublished).
    await publish(redis, config.EVENTS_STREAM, events);
    await first.drained();
    expect(await totals(posts)).toEqual(expected);
  });

  it('counts exactly after a SIGKILL of the recorder in the middle of a burst', async () => {
    const posts = [hexId(), hexId(), hexId()];
    const events = Array.from({ length: 40 }, () => burst(posts)).flat();
    // Published before the recorder starts, so its first batch (up to 200 events) surely holds post
    // 0's comments: read while the burst was still arriving, it could hold only the PostCreated events.
    await publish(redis, config.EVENTS_STREAM, events);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/killed-recorder.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          ...Object.fromEntries(Object.entries(config).map(([key, value]) => [key, String(value)])),
          ANALYTICS_RECORDER_CONSUMER: 'doomed',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const output = child.stdout!;
    output.setEncoding('utf8');
    let seen = '';
    const waitForLine = (line: string) =>
      new Promise<void>((resolve) => {
        const check = (chunk: string) => {
          seen += chunk;
          if (seen.includes(`${line}\n`)) {
            output.off('data', check);
            resolve();
          }
        };
        output.on('data', check);
        check('');
      });
    await waitForLine('listening');
    // Killed once its first batch is written and not acknowledged.
    await waitForLine('written');
    expect((await totals([posts[0]!]))[posts[0]!]?.comment ?? 0).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await once(child, 'exit');
    // The restarted process (same consumer name) resumes its pending entries first.
    await recorder('doomed').drained();
    expect(await totals(posts)).toEqual({
      [posts[0]!]: { comment: 200, like: 160 },
      [posts[1]!]: { comment: 120 },
      [posts[2]!]: { like: 240 },
    });
  });

  it('records old events (a replay) once in every interval: past the rollups’ reach they go to the rollups too', async () => {
    const post = hexId();
    const day = 86_400_000;
    const comment = (daysAgo: number) =>
      event(
        'CommentAdded',
        'Comment',
        hexId(),
        { id: hexId(), postId: post, authorId: hexId() },
        new Date(Date.now() - daysAgo * day),
      );
    // 40 days: past the raw retention (30 days); 10 days: raw, and past both continuous queries' lookback.
    const events = [comment(40), comment(10), comment(10), comment(0)];
    await publish(redis, config.EVENTS_STREAM, events);
    await publish(redis, config.EVENTS_STREAM, events);
    await recorder('replay').drained();
    expect(await totals([post])).toEqual({ [post]: { comment: 4 } });
    const tenDaysAgo = Math.floor((Date.now() - 10 * day) / day) * day;
    const range = {
      from: new Date(tenDaysAgo),
      to: new Date(tenDaysAgo + day),
      interval: 'DAY' as const,
      source: 'daily' as const,
      starts: [new Date(tenDaysAgo)],
    };
    expect(await store.activity('post', 'comment', range, [post])).toEqual([
      { id: post, start: tenDaysAgo, count: 2 },
    ]);
    const hourly = { ...range, interval: 'HOUR' as const, source: 'hourly' as const };
    const hours = await store.activity('post', 'comment', hourly, [post]);
    expect(hours.reduce((sum, row) => sum + row.count, 0)).toBe(2);
  });

  it('moves a malformed event to the dead letters and records the rest', async () => {
    const post = hexId();
    const bad = event('CommentAdded', 'Comment', hexId(), {
      id: hexId(),
      postId: 'not an id!',
      authorId: hexId(),
    });
    const good = event('CommentAdded', 'Comment', hexId(), { id: hexId(), postId: post, authorId: hexId() });
    await publish(redis, config.EVENTS_STREAM, [bad, good]);
    await recorder('dead-letters').drained();
    expect(await totals([post])).toEqual({ [post]: { comment: 1 } });
    const dead = await redis.xrange(deadLetterStream(config.EVENTS_STREAM), '-', '+');
    const reasons = dead.map(([, fields]) => fields[fields.indexOf('reason') + 1]);
    expect(reasons).toEqual([expect.stringContaining('postId: not an id')]);
  });

  it('waits an InfluxDB outage out: nothing dead-lettered, the events recorded once it is back', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const down = new Influx({ ...config, INFLUXDB_URL: `http://127.0.0.1:${port}` });
    const post = hexId();
    const deadBefore = await redis.xlen(deadLetterStream(config.EVENTS_STREAM));
    await publish(redis, config.EVENTS_STREAM, [
      event('CommentAdded', 'Comment', hexId(), { id: hexId(), postId: post, authorId: hexId() }),
    ]);
    const waiting = recorder('outage', down);
    // Far more retries than maxDeliveries (2) happen meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await waiting.lag()).toBe(1);
    expect(await redis.xlen(deadLetterStream(config.EVENTS_STREAM))).toBe(deadBefore);
    await waiting.stop();
    await recorder('outage').drained();
    expect(await totals([post])).toEqual({ [post]: { comment: 1 } });
  });

  it('gives an order one sale point per item and the buyer an order, at times fixed by the event', () => {
    const order = event('OrderPlaced', 'Order', hexId(), {
      id: hexId(),
      buyerId: hexId(),
      items: [
        { productId: 'p1', quantity: 2, unitPriceCents: 500 },
        { productId: 'p1', quantity: 1, unitPriceCents: 700 },
      ],
    });
    const lines = eventPoints(order).map((point) => point.toLineProtocol());
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^sales,product=p1 revenue_cents=1000i,units=2i \d+$/);
    expect(lines[2]).toMatch(/^sales,product=p1 revenue_cents=700i,units=1i \d+$/);
    // Two items of one product in one order are two points (different times in one series).
    expect(lines[1]!.split(' ')[2]).not.toBe(lines[2]!.split(' ')[2]);
    expect(eventPoints(order).map((point) => point.toLineProtocol())).toEqual(lines);
  });

  it('takes a cancelled order back out of the sales and the buyer’s orders; paid or shipped changes nothing', () => {
    const change = (status: string) =>
      event('OrderStatusChanged', 'Order', hexId(), {
        id: hexId(),
        buyerId: 'b1',
        status,
        previousStatus: 'PLACED',
        items: [{ productId: 'p1', quantity: 2, unitPriceCents: 500 }],
      });
    for (const status of ['PAID', 'SHIPPED']) expect(eventPoints(change(status))).toEqual([]);
    const lines = eventPoints(change('CANCELLED')).map((point) => point.toLineProtocol());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^user_activity,metric=order,user=b1 count=-1i \d+$/);
    expect(lines[1]).toMatch(/^sales,product=p1 revenue_cents=-1000i,units=-2i \d+$/);
  });
});
