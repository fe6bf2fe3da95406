import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  callAsGateway,
  createLogger,
  dateTimeScalar,
  decodeKeysetCursor,
  defineSubgraph,
  encodeKeysetCursor,
  envFlag,
  loadConfig,
  subgraphConfig,
  testSubgraphEnv,
  withPrelude,
  type RequestContext,
} from '../src/index.js';

const demoConfig = subgraphConfig('demo', 4998, { DEMO_WORKER: envFlag(true) });
type DemoConfig = z.infer<typeof demoConfig>;

/** What the demo subgraph did, in order: the kit's shutdown order is what is tested. */
const journal: string[] = [];

const demo = defineSubgraph({
  name: 'demo',
  schema: new URL('./fixtures/demo-schema.graphql', import.meta.url),
  resolvers: {
    DateTime: dateTimeScalar,
    Query: {
      notes: (_: unknown, __: unknown, context: RequestContext & { notes: string[] }) => ({
        edges: context.notes.map((id) => ({ id, at: new Date(0) })),
        pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
      }),
    },
  },
  stores: async (_config: DemoConfig, _kit, options: { down?: boolean }) => {
    journal.push('stores opened');
    return {
      notes: ['n1', 'n2'],
      ready: async () => {
        if (options.down) throw new Error('the demo store is down');
      },
      close: async () => void journal.push('stores closed'),
    };
  },
  workers: (_stores, config) => ({
    ticker: config.DEMO_WORKER ? { stop: async () => void journal.push('worker stopped') } : null,
  }),
  context: (base, stores) => ({ ...base, notes: stores.notes }),
});

const load = (env: Record<string, string> = {}) =>
  loadConfig(demoConfig, { NODE_ENV: 'test', LOG_LEVEL: 'silent', ...testSubgraphEnv(), ...env });

describe('subgraphConfig', () => {
  it('adds host, port and the unsigned flag under the name, with the subgraph’s own settings', () => {
    const config = load();
    expect([config.DEMO_HOST, config.DEMO_PORT, config.DEMO_ALLOW_UNSIGNED, config.DEMO_WORKER]).toEqual([
      '127.0.0.1',
      4998,
      false,
      true,
    ]);
  });

  it.each(['1', 'yes', 'TRUE', ''])('refuses %j for a flag, naming the variable', (value) => {
    expect(() => load({ DEMO_WORKER: value })).toThrow(/DEMO_WORKER: must be true or false/);
  });
});

describe('defineSubgraph', () => {
  it('serves the schema with the prelude, readiness from the stores, and shuts down in order', async () => {
    journal.length = 0;
    const running = await demo.start(load(), { port: 0, log: createLogger('demo', 'silent') });
    const result = await callAsGateway(running, '{ notes { edges { id at } pageInfo { hasNextPage } } }');
    expect(result).toMatchObject({
      data: {
        notes: {
          edges: [
            { id: 'n1', at: '1970-01-01T00:00:00.000Z' },
            { id: 'n2', at: '1970-01-01T00:00:00.000Z' },
          ],
          pageInfo: { hasNextPage: false },
        },
      },
    });
    expect(result.errors).toBeUndefined();
    expect(running.notes).toEqual(['n1', 'n2']);
    expect((await fetch(new URL('/ready', running.url))).status).toBe(200);
    await running.stop();
    expect(journal).toEqual(['stores opened', 'worker stopped', 'stores closed']);
  });

  it('reports not ready when a store is down', async () => {
    const running = await demo.start(load({ DEMO_WORKER: 'false' }), { port: 0, down: true });
    try {
      const ready = await fetch(new URL('/ready', running.url));
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not ready', reason: 'the demo store is down' });
      expect(running.ticker).toBeNull();
    } finally {
      await running.stop();
    }
  });

  it('refuses the unsigned flag in production before opening any store', async () => {
    journal.length = 0;
    await expect(demo.start(load({ NODE_ENV: 'production', DEMO_ALLOW_UNSIGNED: 'true' }))).rejects.toThrow(
      /DEMO_ALLOW_UNSIGNED: never accept unsigned requests in production/,
    );
    expect(journal).toEqual([]);
  });

  it('undoes a failed start: workers stopped, stores closed', async () => {
    const first = await demo.start(load({ DEMO_WORKER: 'false' }), { port: 0 });
    journal.length = 0;
    try {
      const port = Number(new URL(first.url).port);
      await expect(demo.start(load(), { port })).rejects.toThrow(/demo: port \d+ is already in use/);
      expect(journal).toEqual(['stores opened', 'worker stopped', 'stores closed']);
    } finally {
      await first.stop();
    }
  });
});

describe('the schema prelude', () => {
  const sdl = (body: string) =>
    `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@shareable"])\n${body}`;

  it('adds what a schema refers to, and what that refers to', () => {
    const merged = withPrelude(sdl('type Query { page: PageInfo! }'));
    expect(merged).toMatch(/enum CacheControlScope/);
    expect(merged).toMatch(/directive @cacheControl/);
    expect(merged).toMatch(/type PageInfo/);
    expect(merged).not.toMatch(/scalar DateTime/);
  });

  it('adds nothing a schema does not use', () => {
    expect(withPrelude(sdl('type Query { ok: Boolean }'))).toBe(sdl('type Query { ok: Boolean }'));
  });

  it('asks for the @shareable import PageInfo needs', () => {
    expect(() =>
      withPrelude(
        'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9")\ntype Query { p: PageInfo }',
      ),
    ).toThrow(/uses PageInfo, which is @shareable: import "@shareable" in its @link/);
  });

  it('refuses a schema that declares a prelude type itself', () => {
    expect(() => withPrelude(sdl('scalar DateTime\ntype Query { at: DateTime }'), 'demo.graphql')).toThrow(
      /demo.graphql declares DateTime: the subgraph kit's prelude .* provides it; remove the copy/,
    );
  });

  it('is what the fixture schema is served with', () => {
    const merged = withPrelude(
      readFileSync(new URL('./fixtures/demo-schema.graphql', import.meta.url), 'utf8'),
    );
    expect(merged.match(/^(scalar|type|enum|directive) \S+/gm)?.slice(0, 4)).toEqual([
      'enum CacheControlScope',
      'directive @cacheControl(maxAge:',
      'scalar DateTime',
      'type PageInfo',
    ]);
  });
});

describe('keyset cursors', () => {
  it('round-trip a position and refuse other lists, bad instants and refused ids', () => {
    const cursor = encodeKeysetCursor('posts', { at: new Date(1000), id: 'abc' });
    expect(decodeKeysetCursor('posts', cursor)).toEqual({ at: '1970-01-01T00:00:01.000Z', id: 'abc' });
    expect(decodeKeysetCursor('posts', null)).toBeUndefined();
    expect(() => decodeKeysetCursor('feed', cursor)).toThrow(/cursor does not belong to this list/);
    expect(() => decodeKeysetCursor('posts', cursor, (id) => id.length === 24)).toThrow(
      'after: not a valid cursor',
    );
    const badInstant = encodeKeysetCursor('posts', { at: 'yesterday', id: 'abc' });
    expect(() => decodeKeysetCursor('posts', badInstant)).toThrow('after: not a valid cursor');
  });
});
