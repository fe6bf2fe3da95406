/**
 * The secrets of a development graph. Nothing in the graph has a default secret: `npm start` takes
 * them from the environment, else from the git-ignored `.env` at the repository root, else it
 * generates random ones for this run (so tokens from an earlier run stop working after a restart;
 * put them in `.env` to keep them). `npm run -s secrets > .env` writes a fresh set.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { developmentSecrets, GRAPH_SECRET_NAMES } from '@aetherial/subgraph-kit';
import { repoRoot } from './context.js';

export const ENV_FILE = join(repoRoot, '.env');

/**
 * Loads `.env` into process.env (variables already set win), then fills in each missing secret with
 * a random development value. Returns where the secrets came from, to tell the developer.
 */
export function provideGraphSecrets(env: NodeJS.ProcessEnv = process.env): string {
  const fromFile = existsSync(ENV_FILE);
  if (fromFile && env === process.env) process.loadEnvFile(ENV_FILE);
  const privateGiven = Boolean(env.GATEWAY_SIGNING_PRIVATE_KEY);
  if (privateGiven !== Boolean(env.GATEWAY_SIGNING_PUBLIC_KEY)) {
    throw new Error(
      'GATEWAY_SIGNING_PRIVATE_KEY and GATEWAY_SIGNING_PUBLIC_KEY are a pair: set both (npm run -s secrets prints one) or neither',
    );
  }
  const generated = developmentSecrets();
  const made: string[] = [];
  for (const name of GRAPH_SECRET_NAMES) {
    if (env[name]) continue;
    env[name] = generated[name];
    made.push(name);
  }
  if (made.length === 0)
    return fromFile ? 'secrets from the environment and .env' : 'secrets from the environment';
  return `random development secrets for this run (${made.join(', ')}); put them in .env to keep sign-ins across restarts`;
}

// `npm run -s secrets > .env`: a fresh set, one VARIABLE=value a line.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secrets = developmentSecrets();
  for (const name of GRAPH_SECRET_NAMES) console.log(`${name}=${secrets[name]}`);
}
