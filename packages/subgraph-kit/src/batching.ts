/**
 * DataLoader batch functions must answer in key order with one entry per key. Stores answer in
 * their own order and skip missing rows; this puts them back in order, null where missing.
 */
export function byKeys<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): (T | null)[] {
  const index = new Map<K, T>();
  for (const row of rows) index.set(keyOf(row), row);
  return keys.map((key) => index.get(key) ?? null);
}

/** Groups child rows under their parent keys, in key order, empty lists where none. */
export function groupedByKeys<K, T>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}
