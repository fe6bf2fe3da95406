import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackContext, StoreDef } from './store.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const dataDir = process.env.AETHERIAL_DATA_DIR ?? join(repoRoot, '.data');
/** Built tools are shared by every checkout on the machine, so a fresh clone does not rebuild Weaviate. */
export const toolsDir =
  process.env.AETHERIAL_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aetherial', 'tools');

const startedAt = Date.now();

export function elapsed(): string {
  return `${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)}s`;
}

export function say(store: string, message: string): void {
  process.stdout.write(`[${elapsed()}] ${store.padEnd(10)} ${message}\n`);
}

export function contextFor(store: StoreDef): StackContext {
  return {
    root: repoRoot,
    dataDir,
    storeDir: join(dataDir, 'store', store.name),
    toolsDir,
    log: (message) => say(store.name, message),
  };
}

export const logFile = (name: string): string => join(dataDir, 'logs', `${name}.log`);
export const pidFile = (name: string): string => join(dataDir, 'run', `${name}.pid`);
