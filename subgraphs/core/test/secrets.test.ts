import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, GRAPH_SECRET_NAMES, testSecrets } from '@aetherial/subgraph-kit';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './helpers.js';

const coreDir = fileURLToPath(new URL('..', import.meta.url));

/** Starts core's real entry point (`npm start -w @aetherial/core`) with `env` and no inherited secrets. */
async function startCore(env: Record<string, string>) {
  const inherited = { ...process.env };
  for (const name of GRAPH_SECRET_NAMES) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: coreDir,
    env: {
      ...inherited,
      CORE_DATABASE_URL: TEST_DATABASE_URL,
      CORE_PORT: String(await freePort()),
      CORE_OUTBOX_RELAY: 'false',
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit') as Promise<[number | null]>;
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = await exit;
  clearTimeout(timer);
  return { code, stderr };
}

describe('core without its secrets', () => {
  // Four processes starting at once (tsx compiles each): slow on a busy machine, hence the timeout.
  it('refuses to start, naming the missing or unsafe variable', { timeout: 120_000 }, async () => {
    const { GATEWAY_SIGNING_PUBLIC_KEY, JWT_SECRET } = testSecrets();
    const [noKey, noJwt, weakJwt, unsignedInProduction] = await Promise.all([
      startCore({ JWT_SECRET }),
      startCore({ GATEWAY_SIGNING_PUBLIC_KEY }),
      startCore({ GATEWAY_SIGNING_PUBLIC_KEY, JWT_SECRET: 'aetherial-dev-only-jwt-secret' }),
      startCore({ JWT_SECRET, NODE_ENV: 'production', CORE_ALLOW_UNSIGNED: 'true' }),
    ]);
    for (const refused of [noKey, noJwt, weakJwt, unsignedInProduction]) expect(refused.code).toBe(1);
    expect(noKey.stderr).toMatch(/GATEWAY_SIGNING_PUBLIC_KEY: required/);
    expect(noJwt.stderr).toMatch(/JWT_SECRET: required/);
    expect(weakJwt.stderr).toMatch(/JWT_SECRET: must be at least 32 characters/);
    expect(unsignedInProduction.stderr).toMatch(
      /CORE_ALLOW_UNSIGNED: never accept unsigned requests in production/,
    );
    // A refusal, not a crash: the message without a stack trace.
    for (const refused of [noKey, noJwt]) expect(refused.stderr).not.toMatch(/\n\s+at /);
  });
});
