import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deadLetterStream, type DomainEvent } from '@aetherial/events';
import { afterAll, describe, expect, it } from 'vitest';
import { INDEXER_GROUP } from '../src/indexer.js';
import {
  allDocuments,
  cleanUp,
  domainEvent,
  postPayload,
  productPayload,
  publish,
  testEngine,
  testNamespace,
  testRedis,
  userPayload,
} from './helpers.js';

const namespace = testNamespace('crash');
const engine = testEngine(namespace);
const redis = testRedis();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];

const PER_KIND = 400;
const VERSIONS = 3;

/** Three versions of 400 users, products and posts; every 10th post ends as a DRAFT (removed). */
function history(): { events: DomainEvent[]; expected: Map<string, string> } {
  const ids = Array.from({ length: PER_KIND }, (_, n) => String(n).padStart(4, '0'));
  const events: DomainEvent[] = [];
  const expected = new Map<string, string>();
  for (let version = 1; version <= VERSIONS; version += 1) {
    const round: DomainEvent[] = [];
    for (const id of ids) {
      round.push(
        domainEvent(
          version === 1 ? 'UserCreated' : 'UserUpdated',
          `u${id}`,
          version,
          userPayload(`u${id}`, `user${id}`, `User ${id} v${version}`),
        ),
      );
      round.push(
        domainEvent(
          version === 1 ? 'ProductCreated' : 'ProductUpdated',
          `pr${id}`,
          version,
          productPayload(`pr${id}`, `SKU-${id}`, `Product ${id} v${version}`, 100 * version),
        ),
      );
      const draft = version === VERSIONS && Number(id) % 10 === 0;
      round.push(
        domainEvent(
          version === 1 ? 'PostCreated' : 'PostUpdated',
          `p${id}`,
          version,
          postPayload(`p${id}`, { title: `Post ${id} v${version}`, status: draft ? 'DRAFT' : 'PUBLISHED' }),
        ),
      );
      if (version === VERSIONS) {
        expected.set(`User:u${id}`, `User ${id} v${version}`);
        expected.set(`Product:pr${id}`, `Product ${id} v${version}`);
        if (!draft) expected.set(`Post:p${id}`, `Post ${id} v${version}`);
      }
    }
    // Entities interleave randomly; each entity's versions stay in order, as the outbox publishes them.
    round.sort(() => Math.random() - 0.5);
    events.push(...round);
  }
  return { events, expected };
}

/** The indexer as its own OS process (node + tsx loader: one process, so SIGKILL hits the indexer itself). */
function startIndexerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/indexer-main.ts'], {
    cwd: packageDir,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SEARCH_ALIAS: namespace.alias,
      EVENTS_STREAM: namespace.stream,
      SEARCH_INDEXER_BATCH: '50',
      SEARCH_CONSUMER_NAME: 'crash-test',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}

async function groupState(): Promise<{ read: number; lag: number; pending: number }> {
  const groups = (await redis.xinfo('GROUPS', namespace.stream).catch(() => [])) as (string | number)[][];
  for (const info of groups) {
    const fields = new Map<string, string | number>();
    for (let i = 0; i < info.length - 1; i += 2) fields.set(String(info[i]), info[i + 1]!);
    if (fields.get('name') === INDEXER_GROUP) {
      return {
        read: Number(fields.get('entries-read') ?? 0),
        lag: Number(fields.get('lag') ?? 0),
        pending: Number(fields.get('pending') ?? 0),
      };
    }
  }
  return { read: 0, lag: Number.POSITIVE_INFINITY, pending: 0 };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode ?? child.exitCode);
    else child.once('exit', (code, signal) => resolve(signal ?? code));
  });

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await cleanUp(engine, redis, namespace);
  redis.disconnect();
  await engine.close();
});

describe('indexer crash', () => {
  it('loses nothing and applies each document once when killed mid-stream (SIGKILL) and restarted', async () => {
    const { events, expected } = history();
    await publish(redis, namespace.stream, events);

    const first = startIndexerProcess();
    // Kill it once a good part, but not all, of the stream was delivered.
    await until(
      async () => (await groupState()).read >= events.length / 3,
      60_000,
      'the indexer to get going',
    );
    first.kill('SIGKILL');
    expect(await exited(first)).toBe('SIGKILL');
    const atCrash = await groupState();
    expect(atCrash.lag + atCrash.pending).toBeGreaterThan(0);
    const indexedAtCrash = (await allDocuments(engine, namespace.alias)).size;

    const restarted = performance.now();
    const second = startIndexerProcess();
    await until(
      async () => {
        const state = await groupState();
        return state.lag === 0 && state.pending === 0;
      },
      120_000,
      'the restarted indexer to drain the stream',
    );
    const seconds = (performance.now() - restarted) / 1000;
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);

    const documents = await allDocuments(engine, namespace.alias);
    expect(documents.size).toBe(expected.size);
    for (const [id, title] of expected) {
      const document = documents.get(id);
      expect(document?.version, id).toBe(VERSIONS);
      expect(document?.source.version, id).toBe(VERSIONS);
      expect(document?.source.title ?? document?.source.displayName, id).toBe(title);
    }
    expect(await redis.xlen(deadLetterStream(namespace.stream))).toBe(0);
    console.info(
      `crash test: killed after ${atCrash.read}/${events.length} events delivered (${atCrash.pending} unacknowledged, ` +
        `${indexedAtCrash} documents indexed); restart drained the rest in ${seconds.toFixed(1)}s ` +
        `(~${Math.round((events.length - atCrash.read + atCrash.pending) / seconds)} events/s incl. process start)`,
    );
  }, 180_000);
});
