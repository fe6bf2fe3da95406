/**
 * Store round trips, read from the subgraphs' Prometheus counters
 * `store_requests_total{store="postgres|mongodb|neo4j|opensearch|weaviate|influxdb|redis",service="<subgraph>"}`
 * (counted at each store driver). Summed over the six subgraphs by store.
 */
export const STORES = [
  'postgres',
  'mongodb',
  'neo4j',
  'opensearch',
  'weaviate',
  'influxdb',
  'redis',
] as const;
export type StoreName = (typeof STORES)[number];

export interface StoreSnapshot {
  /** When it was read (ms, performance.now()). */
  at: number;
  /** Round trips so far, by store, over the subgraphs that expose the counter. */
  byStore: Partial<Record<StoreName, number>>;
  /** Subgraphs whose /metrics has no `store_requests_total` series (or did not answer). */
  missing: string[];
}

const SERIES = /^store_requests_total\{([^}]*)\}\s+(\S+)/gm;

/** The store_requests_total series of one /metrics body, summed by store; null without any. */
export function parseStoreRequests(metrics: string): Partial<Record<string, number>> | null {
  const byStore: Partial<Record<string, number>> = {};
  let found = false;
  for (const match of metrics.matchAll(SERIES)) {
    const store = /(?:^|,)store="([^"]*)"/.exec(match[1]!)?.[1];
    const value = Number(match[2]);
    if (!store || !Number.isFinite(value)) continue;
    found = true;
    byStore[store] = (byStore[store] ?? 0) + value;
  }
  return found ? byStore : null;
}

/** Reads every subgraph's counters at once. `metricsUrls`: subgraph name → its /metrics URL. */
export async function snapshotStoreRequests(metricsUrls: Record<string, string>): Promise<StoreSnapshot> {
  const at = performance.now();
  const bodies = await Promise.all(
    Object.entries(metricsUrls).map(async ([name, url]) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
        return { name, parsed: response.ok ? parseStoreRequests(await response.text()) : null };
      } catch {
        return { name, parsed: null };
      }
    }),
  );
  const byStore: StoreSnapshot['byStore'] = {};
  const missing: string[] = [];
  for (const { name, parsed } of bodies) {
    if (!parsed) {
      missing.push(name);
      continue;
    }
    for (const [store, value] of Object.entries(parsed)) {
      byStore[store as StoreName] = (byStore[store as StoreName] ?? 0) + value!;
    }
  }
  return { at, byStore, missing };
}

/** Round trips between two snapshots, by store (stores counted in both). */
export function difference(before: StoreSnapshot, after: StoreSnapshot): Partial<Record<StoreName, number>> {
  const out: Partial<Record<StoreName, number>> = {};
  for (const store of STORES) {
    const a = before.byStore[store];
    const b = after.byStore[store];
    if (a !== undefined && b !== undefined) out[store] = b - a;
  }
  return out;
}
