/**
 * The production start path: `npm run build` output started with `node --conditions=production
 * dist/index.js` and NODE_ENV=production (no tsx, no loader, an environment holding only what a
 * container would get), the core subgraph behind the gateway, queried through the gateway.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import ts from 'typescript';
import { developmentSecrets } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineNamespace, freePorts, type GraphNamespace } from '../graph/namespace.js';
import { launch, postGraphQL, stop, stopAll, tail, waitUntilOk, type Launched } from './processes.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
/** The secrets a deployment passes (every secret is given explicitly: none may come from a default). */
const secrets = developmentSecrets();
const SERVICES = [
  'packages/subgraph-kit',
  'packages/events',
  'subgraphs/core',
  'subgraphs/content',
  'subgraphs/social',
  'subgraphs/search',
  'subgraphs/semantic',
  'subgraphs/analytics',
  'gateway',
];

/** A container's environment: nothing of the developer's shell (no NODE_OPTIONS, no tsx). */
function productionEnv(ns: GraphNamespace, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: ns.redisUrl,
    ...secrets,
    ...extra,
  };
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

let ns: GraphNamespace;
let core: Launched;
let gateway: Launched;

beforeAll(async () => {
  // Turbo builds what changed (dependencies first, `^build`) and replays the rest from its cache.
  await run(join(repoRoot, 'node_modules/.bin/turbo'), ['run', 'build', '--output-logs=errors-only'], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const { gatewayPort, ports } = await freePorts();
  ns = defineNamespace({ name: 'prodstart', redisDatabase: 7, gatewayPort, ports });
  const admin = new pg.Client({ connectionString: ns.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${ns.database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${ns.database}`);
  await admin.end();
  const redis = new Redis(ns.redisUrl);
  await redis.flushdb();
  redis.disconnect();

  const node = process.execPath;
  core = launch('core', node, ['--conditions=production', 'dist/index.js'], {
    cwd: join(repoRoot, 'subgraphs/core'),
    env: productionEnv(ns, {
      CORE_HOST: '127.0.0.1',
      CORE_PORT: String(ns.ports.core),
      CORE_DATABASE_URL: ns.databaseUrl,
    }),
  });
  await waitUntilOk(`http://127.0.0.1:${ns.ports.core}/ready`, core, 60_000);
  gateway = launch('gateway', node, ['--conditions=production', 'dist/index.js'], {
    cwd: join(repoRoot, 'gateway'),
    env: productionEnv(ns, {
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(ns.gatewayPort),
      GATEWAY_WORKERS: '1',
      CORE_SUBGRAPH_URL: `http://127.0.0.1:${ns.ports.core}/graphql`,
    }),
  });
  await waitUntilOk(`http://127.0.0.1:${ns.gatewayPort}/ready`, gateway, 60_000);
}, 600_000);

afterAll(async () => {
  await stopAll();
  if (!ns) return;
  const admin = new pg.Client({ connectionString: ns.adminDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${ns.database} WITH (FORCE)`);
  await admin.end();
});

describe('production start (node dist/index.js, NODE_ENV=production)', () => {
  it('signs a user up through the gateway and answers their own query with the token core issued', async () => {
    const url = `http://127.0.0.1:${ns.gatewayPort}/graphql`;
    const signUp = await postGraphQL<{ signUp: { token: string; user: { handle: string } } }>(
      url,
      `mutation ($input: SignUpInput!) { signUp(input: $input) { token user { handle } } }`,
      {
        input: {
          handle: 'prodstart',
          displayName: 'Prod Start',
          email: 'prod@example.com',
          password: 'prodstart-pw-1',
        },
      },
    );
    expect(signUp.errors, tail(gateway) + tail(core)).toBeUndefined();
    expect(signUp.data?.signUp.user.handle).toBe('prodstart');
    const me = await postGraphQL<{ me: { handle: string; email: string } }>(
      url,
      '{ me { handle email } }',
      {},
      {
        authorization: `Bearer ${signUp.data?.signUp.token}`,
      },
    );
    expect(me).toMatchObject({
      status: 200,
      data: { me: { handle: 'prodstart', email: 'prod@example.com' } },
    });
  });

  it('refuses a forged token (production verifies with the configured secret only)', async () => {
    const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLWFub3RoZXItc2VjcmV0';
    const me = await postGraphQL(
      `http://127.0.0.1:${ns.gatewayPort}/graphql`,
      '{ me { handle } }',
      {},
      {
        authorization: `Bearer ${forged}`,
      },
    );
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a subgraph asked directly without the gateway signature refuses', async () => {
    const direct = await postGraphQL(`http://127.0.0.1:${ns.ports.core}/graphql`, '{ me { handle } }');
    expect(direct.status).toBe(401);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await stop(gateway, 'SIGTERM')).toEqual({ code: 0, killed: false });
    expect(await stop(core, 'SIGTERM')).toEqual({ code: 0, killed: false });
  });
});

describe('production build output', () => {
  it.each(SERVICES)(
    '%s: dist imports only its runtime dependencies (no dev dependencies, no .ts)',
    (workspace) => {
      const dir = join(repoRoot, workspace);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const allowed = new Set([...Object.keys(manifest.dependencies ?? {}), ...builtinModules]);
      const undeclared = new Set<string>();
      const files = jsFiles(join(dir, 'dist'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        // TypeScript's own scanner finds the module specifiers, not words in comments or strings
        // (a Flux query's `import "math"`, a doc comment's `from "meditation"`).
        const specifiers = ts
          .preProcessFile(readFileSync(file, 'utf8'), true, true)
          .importedFiles.map((imported) => imported.fileName);
        for (const specifier of specifiers) {
          expect(specifier, file).not.toMatch(/\.ts$/);
          if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
          if (!allowed.has(packageName(specifier)))
            undeclared.add(`${packageName(specifier)} (${file.slice(dir.length + 1)})`);
        }
      }
      expect([...undeclared]).toEqual([]);
    },
  );
});
