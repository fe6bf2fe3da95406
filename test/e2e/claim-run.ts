import { createServer } from 'node:net';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Gives this run free ports and its own event stream through the environment, which namespace.ts
 * reads when first imported (so this runs before anything imports it) and test workers inherit.
 * Values already set (to pin ports while debugging) are kept.
 */
export async function claimRun(): Promise<void> {
  for (const name of ['GATEWAY', 'CORE', 'CONTENT', 'SOCIAL', 'SEARCH', 'SEMANTIC'])
    process.env[`E2E_${name}_PORT`] ??= String(await freePort());
  process.env.E2E_EVENTS_STREAM ??= `aetherial:e2e:${process.pid}:events`;
}
