import { Redis } from 'ioredis';
import { ensureDebianPackage } from '../apt.js';
import type { StoreDef } from '../store.js';
import { portOf } from '../url.js';

const redisServer = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export const redis: StoreDef = {
  name: 'redis',
  urlEnv: 'REDIS_URL',
  defaultUrl: 'redis://127.0.0.1:6379',
  ports: (url) => [portOf(url, 6379)],
  readyTimeoutMs: 30_000,

  async install(ctx) {
    await ensureDebianPackage(redisServer, ['redis-server'], ctx.log);
  },

  async process(ctx, url) {
    return {
      command: redisServer,
      args: [
        '--bind',
        '127.0.0.1',
        '--port',
        String(portOf(url, 6379)),
        '--dir',
        ctx.storeDir,
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        // Streams carry the domain events: keep them across restarts (append-only file, fsync each second).
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
    };
  },

  async probe(url) {
    const client = new Redis(url.toString(), {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await client.connect();
      const pong = await client.ping();
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
    } finally {
      client.disconnect();
    }
  },
};
