import type { Model } from 'mongoose';
import { onlyDuplicates } from './mongo-errors.js';

/**
 * Inserts the documents whose `_id` is not stored yet: the seed re-run and the outbox copy after a
 * crash both meet documents written before. The insert is ORDERED, so it stops at the first
 * duplicate: FerretDB stalls on commands that pile up many per-document write errors. Only then
 * are the stored ids looked up (an `$in` FerretDB cannot push down, so not on the common path) and
 * the rest inserted; a concurrent writer can still race us, hence the few rounds.
 */
export async function insertNew<T extends { _id: unknown }>(
  model: Model<T>,
  documents: readonly T[],
  lean = false,
): Promise<void> {
  let remaining = [...documents];
  for (let round = 1; remaining.length > 0; round += 1) {
    try {
      await model.insertMany(remaining, { ordered: true, lean });
      return;
    } catch (error) {
      if (!onlyDuplicates(error) || round >= 3) throw error;
    }
    const storedIds: Record<string, unknown> = { _id: { $in: remaining.map((doc) => doc._id) } };
    const stored = await model.collection.find(storedIds, { projection: { _id: 1 } }).toArray();
    const known = new Set(stored.map((doc) => String(doc._id)));
    remaining = remaining.filter((doc) => !known.has(String(doc._id)));
  }
}
