import type { SearchEngine, StoredDocument } from './engine/engine.js';
import { documentKey, isTombstone, type SearchEntity } from './documents.js';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

async function poll(
  check: () => Promise<boolean>,
  describe: string,
  { timeoutMs = 10_000, intervalMs = 25 }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${describe}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The live document of `type:id` behind `alias` (a real-time get); null when absent or a tombstone. */
export async function liveDocument(
  engine: SearchEngine,
  alias: string,
  type: SearchEntity,
  id: string,
): Promise<StoredDocument | null> {
  const stored = await engine.get(alias, documentKey(type, id));
  return stored && !isTombstone(stored.source) ? stored : null;
}

/**
 * Resolves once the index behind `alias` holds `type:id` live at `version` or newer (a real-time
 * get, no refresh needed). For tests and for callers that need read-your-writes on search.
 */
export function waitIndexed(
  engine: SearchEngine,
  alias: string,
  type: SearchEntity,
  id: string,
  version: number,
  options: WaitOptions = {},
): Promise<void> {
  return poll(
    async () => ((await liveDocument(engine, alias, type, id))?.version ?? 0) >= version,
    `${type} ${id} v${version} in ${alias}`,
    options,
  );
}

/** Resolves once `type:id` is not live in the index behind `alias` (absent or a tombstone). */
export function waitRemoved(
  engine: SearchEngine,
  alias: string,
  type: SearchEntity,
  id: string,
  options: WaitOptions = {},
): Promise<void> {
  return poll(
    async () => (await liveDocument(engine, alias, type, id)) === null,
    `${type} ${id} removed from ${alias}`,
    options,
  );
}
