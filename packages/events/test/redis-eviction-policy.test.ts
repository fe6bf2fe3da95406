import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEvictionPolicy, EvictionPolicyError } from '../src/redis-eviction-policy.js';

/** A private redis-server (the stack's Redis is shared: its configuration is not ours to change). */
async function startRedis(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return { url, child };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
  throw new Error(`redis-server on ${port} did not start`);
}

/** Collects what the check logs. */
function recorder() {
  const lines: { level: 'warn' | 'info'; message: string }[] = [];
  const log = {
    warn: (_fields: object, message: string) => void lines.push({ level: 'warn', message }),
    info: (_fields: object, message: string) => void lines.push({ level: 'info', message }),
  } as unknown as Parameters<typeof checkEvictionPolicy>[0]['log'];
  return { lines, log };
}

let evicting: { url: string; child: ChildProcess };
let noEviction: { url: string; child: ChildProcess };
let configDisabled: { url: string; child: ChildProcess };

beforeAll(async () => {
  [evicting, noEviction, configDisabled] = await Promise.all([
    startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']),
    startRedis(['--maxmemory-policy', 'noeviction']),
    startRedis(['--rename-command', 'CONFIG', '']),
  ]);
});

afterAll(() => {
  for (const server of [evicting, noEviction, configDisabled]) server?.child.kill('SIGKILL');
});

describe('checkEvictionPolicy', () => {
  it('refuses an evicting events Redis in production and warns elsewhere', async () => {
    const production = recorder();
    await expect(
      checkEvictionPolicy({ url: evicting.url, role: 'events', production: true, log: production.log }),
    ).rejects.toThrow(EvictionPolicyError);
    await expect(
      checkEvictionPolicy({ url: evicting.url, role: 'events', production: true, log: production.log }),
    ).rejects.toThrow(/maxmemory-policy allkeys-lru.*set noeviction/);

    const development = recorder();
    const verdict = await checkEvictionPolicy({
      url: evicting.url,
      role: 'events',
      production: false,
      log: development.log,
    });
    expect(verdict).toMatchObject({ status: 'wrong', policy: 'allkeys-lru' });
    expect(development.lines).toEqual([{ level: 'warn', message: expect.stringMatching(/set noeviction/) }]);
  });

  it('accepts noeviction for events and an evicting policy for the cache, silently', async () => {
    const { lines, log } = recorder();
    expect(await checkEvictionPolicy({ url: noEviction.url, role: 'events', production: true, log })).toEqual(
      {
        status: 'ok',
        policy: 'noeviction',
      },
    );
    expect(await checkEvictionPolicy({ url: evicting.url, role: 'cache', production: true, log })).toEqual({
      status: 'ok',
      policy: 'allkeys-lru',
    });
    expect(lines).toEqual([]);
  });

  it('warns (never refuses) when the cache Redis does not evict', async () => {
    const { lines, log } = recorder();
    const verdict = await checkEvictionPolicy({ url: noEviction.url, role: 'cache', production: true, log });
    expect(verdict).toMatchObject({ status: 'wrong', policy: 'noeviction' });
    expect(lines).toEqual([{ level: 'warn', message: expect.stringMatching(/set allkeys-lru/) }]);
  });

  it('lets a Redis that hides CONFIG (or does not answer) through with a note, even in production', async () => {
    const { lines, log } = recorder();
    const hidden = await checkEvictionPolicy({
      url: configDisabled.url,
      role: 'events',
      production: true,
      log,
    });
    expect(hidden).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/unknown command/i) });
    const down = await checkEvictionPolicy({
      url: 'redis://127.0.0.1:9',
      role: 'events',
      production: true,
      log,
    });
    expect(down.status).toBe('unknown');
    expect(lines.map((line) => line.level)).toEqual(['info', 'info']);
    expect(lines[0]!.message).toMatch(/make sure it is noeviction/);
  });
});
