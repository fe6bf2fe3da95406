/**
 * A store whose process dies during start-up: `up` names how it ended, starts it once more, and
 * fails with that name when the second start dies too. The "store" is a small Node program, so
 * the test needs no real store and leaves the running stack alone (its own data directory).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreDef } from '../src/store.js';

const dataDir = mkdtempSync(join(tmpdir(), 'aetherial-stack-exit-'));
process.env.AETHERIAL_DATA_DIR = dataDir;
// Imported after the data directory is set: context.ts reads it once.
const { up, down } = await import('../src/lifecycle.js');

/** The port the fake store listens on once it stays up. */
const port = 40_000 + Math.floor(Math.random() * 10_000);

/**
 * A process that kills itself with SIGKILL (no output, as FerretDB once did in CI) until it has
 * been started `deathsBefore` times, then listens on the port.
 */
function fakeStore(name: string, deathsBefore: number): StoreDef {
  const counter = join(dataDir, `${name}.starts`);
  const program = `
    const fs = require('node:fs');
    const starts = (fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0) + 1;
    fs.writeFileSync(${JSON.stringify(counter)}, String(starts));
    if (starts <= ${deathsBefore}) process.kill(process.pid, 'SIGKILL');
    require('node:net').createServer((socket) => socket.end()).listen(${port}, '127.0.0.1');
  `;
  return {
    name,
    urlEnv: `UNUSED_${name.toUpperCase().replace(/-/g, '_')}_URL`,
    defaultUrl: `tcp://127.0.0.1:${port}`,
    ports: () => [port],
    readyTimeoutMs: 10_000,
    install: async () => undefined,
    process: async () => ({ command: process.execPath, args: ['-e', program] }),
    probe: () =>
      new Promise<void>((resolve, reject) => {
        const socket = createConnection({ port, host: '127.0.0.1' }, () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
      }),
  };
}

describe('a store that exits during start-up', () => {
  beforeAll(() => expect(existsSync(dataDir)).toBe(true));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is started once more when the first start dies, and comes up', async () => {
    const store = fakeStore('dies-once', 1);
    try {
      const report = await up(store);
      expect(report.state).toBe('started');
    } finally {
      await down(store);
    }
  });

  it('fails naming the signal when the second start dies too', async () => {
    const store = fakeStore('dies-always', 99);
    await expect(up(store)).rejects.toThrow(/dies-always exited during start-up \(signal SIGKILL\)/);
  });
});
