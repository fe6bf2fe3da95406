import type { StoreDef } from './store.js';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function storeUrl(store: StoreDef): URL {
  return new URL(process.env[store.urlEnv] || store.defaultUrl);
}

/** A URL pointing anywhere but this machine is someone else's store: `up` and `down` leave it alone. */
export function isExternal(url: URL): boolean {
  return !loopbackHosts.has(url.hostname);
}

export function portOf(url: URL, fallback: number): number {
  return url.port ? Number(url.port) : fallback;
}
