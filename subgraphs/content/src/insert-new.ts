import type { Model } from 'mongoose';

export interface InsertNewResult<T> {
  inserted: T[];
  /** Documents whose `_id` was stored already (left as they are). */
  existing: T[];
}

/** Where an ordered insert stopped on a duplicate key, or undefined for any other failure. */
function duplicateAt(error: unknown): number | undefined {
  const raw = (error as { writeErrors?: unknown }).writeErrors;
  const first = (Array.isArray(raw) ? raw[0] : raw) as
    { code?: unknown; index?: unknown; err?: { code?: unknown; index?: unknown } } | undefined;
  const code = first?.code ?? first?.err?.code;
  const index = first?.index ?? first?.err?.index;
  return code === 11000 && typeof index === 'number' ? index : undefined;
}

/**
 * Inserts the documents whose `_id` is not stored yet (a seed re-run, an outbox copy after a crash)
 * and says which were which. The insert is ORDERED: it stops at the first duplicate, everything
 * before it is in, and FerretDB never gets a command piling up per-document errors (it stalls on
 * those). Only then are the remaining ids looked up — an `$in` FerretDB cannot push down, so kept
 * off the common path — and the rest inserted; a concurrent writer can still race us, hence rounds.
 */
export async function insertNew<T extends { _id: unknown }>(
  model: Model<T>,
  documents: readonly T[],
  lean = false,
): Promise<InsertNewResult<T>> {
  const result: InsertNewResult<T> = { inserted: [], existing: [] };
  let remaining = [...documents];
  for (let round = 1; remaining.length > 0; round += 1) {
    try {
      await model.insertMany(remaining, { ordered: true, lean });
      result.inserted.push(...remaining);
      return result;
    } catch (error) {
      const failedAt = duplicateAt(error);
      if (failedAt === undefined || round >= 3) throw error;
      result.inserted.push(...remaining.slice(0, failedAt));
      result.existing.push(remaining[failedAt]!);
      remaining = remaining.slice(failedAt + 1);
    }
    if (remaining.length === 0) break;
    const storedIds: Record<string, unknown> = { _id: { $in: remaining.map((doc) => doc._id) } };
    const known = new Set(
      (await model.collection.find(storedIds, { projection: { _id: 1 } }).toArray()).map((doc) =>
        String(doc._id),
      ),
    );
    result.existing.push(...remaining.filter((doc) => known.has(String(doc._id))));
    remaining = remaining.filter((doc) => !known.has(String(doc._id)));
  }
  return result;
}
