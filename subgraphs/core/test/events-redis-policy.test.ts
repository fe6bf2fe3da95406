import { spawn, type ChildProcess } from 'node:child_process';
import { EvictionPolicyError } from '@aetherial/events';
import { freePort } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraph } from '../src/subgraph.js';
import { ensureDatabase } from '../src/migrate.js';
import { ADMIN_DATABASE_URL, databaseUrl, testConfig } from './helpers.js';

/** Not the shared test database: this subgraph's relay would publish (and mark) its outbox. */
const DATABASE = 'aetherial_core_test_outbox_purge';

/** A private Redis that evicts (the stack's Redis is shared: its configuration is not ours). */
let evicting: ChildProcess;
let url = '';

beforeAll(async () => {
  await ensureDatabase(ADMIN_DATABASE_URL, DATABASE);
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  evicting = spawn(
    process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--maxmemory-policy', 'allkeys-lru'],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const up = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('test redis did not start');
});
afterAll(() => {
  evicting?.kill('SIGKILL');
});

describe('the events Redis', () => {
  it('must be noeviction: production refuses to start with an evicting one, naming the fix', async () => {
    const config = testConfig({
      NODE_ENV: 'production',
      CORE_OUTBOX_RELAY: 'true',
      CORE_MIGRATE_ON_START: 'false',
      CORE_DATABASE_URL: databaseUrl(DATABASE),
      EVENTS_REDIS_URL: url,
    });
    const start = createSubgraph(config);
    await expect(start).rejects.toThrow(EvictionPolicyError);
    await expect(start).rejects.toThrow(/maxmemory-policy allkeys-lru.*set noeviction/);
  });

  it('is only a warning outside production', async () => {
    const subgraph = await createSubgraph(
      testConfig({
        CORE_OUTBOX_RELAY: 'true',
        CORE_DATABASE_URL: databaseUrl(DATABASE),
        EVENTS_REDIS_URL: url,
      }),
    );
    await subgraph.stop();
  });
});
