/**
 * Why there is no bulkWrite in this package: FerretDB 1.24 never answers an `update` command that
 * carries many statements (seen here: 100 on the SQLite backend, 50 on PostgreSQL), and the stuck
 * command keeps its backend connections, so every later request waits until FerretDB restarts.
 * Per-document values are therefore written as one `updateMany` per distinct value (few: versions,
 * comment counts), each its own single-statement command, one after another.
 */
export function groupedBy<T, V>(items: readonly T[], valueOf: (item: T) => V): Map<V, T[]> {
  const groups = new Map<V, T[]>();
  for (const item of items) {
    const value = valueOf(item);
    const group = groups.get(value);
    if (group) group.push(item);
    else groups.set(value, [item]);
  }
  return groups;
}
