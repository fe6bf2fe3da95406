import type { Logger } from 'pino';
import { eventsStream } from './event.js';
import { eventLogHorizon } from './log-horizon.js';
import { eventPartitions, type EventsRedis } from './partitions.js';

/** A read model's tombstones, as the purge sees them: the store's own delete by age. */
export interface TombstoneStore {
  /** The read model, for logs (`search`, `semantic`, `social`). */
  readonly name: string;
  /** Deletes the tombstones written before `removedBefore`; returns how many went. */
  purgeTombstones(removedBefore: Date): Promise<number>;
}

export interface TombstonePurgeOptions {
  redis: EventsRedis;
  tombstones: TombstoneStore;
  log: Logger;
  /** How often (ms); 0 turns the purge off. */
  intervalMs: number;
  /** A tombstone younger than this stays whatever the log says (a margin for clocks and laggards). */
  minAgeMs: number;
  stream?: string;
  partitions?: number;
}

export interface TombstonePurgeResult {
  /** Tombstones written before this went; null when the log cannot say (nothing purged). */
  cutoff: Date | null;
  purged: number;
}

/**
 * A tombstone exists only to refuse an older event of its entity delivered late. Once the event
 * log holds nothing from before the tombstone was written (`eventLogHorizon`), no such event can
 * arrive any more, and after `minAgeMs` besides, the tombstone may go: without this the read
 * models grow with every deletion, for ever.
 */
export async function purgeTombstones(options: TombstonePurgeOptions): Promise<TombstonePurgeResult> {
  const horizon = await eventLogHorizon(
    options.redis,
    options.stream ?? eventsStream(),
    options.partitions ?? eventPartitions(),
  );
  if (horizon === null) return { cutoff: null, purged: 0 };
  const cutoff = new Date(Math.min(horizon.getTime(), Date.now() - options.minAgeMs));
  const purged = await options.tombstones.purgeTombstones(cutoff);
  if (purged > 0)
    options.log.info({ readModel: options.tombstones.name, purged, cutoff }, 'tombstones purged');
  return { cutoff, purged };
}

export interface RunningTombstonePurge {
  /** One purge now (after any running one). */
  runOnce: () => Promise<TombstonePurgeResult>;
  stop: () => Promise<void>;
}

/** Runs `purgeTombstones` every `intervalMs` (first after one interval); a failure is logged and retried next time. */
export function startTombstonePurge(options: TombstonePurgeOptions): RunningTombstonePurge {
  let running: Promise<unknown> = Promise.resolve();
  const runOnce = (): Promise<TombstonePurgeResult> => {
    const next = running.then(() => purgeTombstones(options));
    running = next.catch(() => undefined);
    return next;
  };
  const timer =
    options.intervalMs > 0
      ? setInterval(() => {
          runOnce().catch((error: unknown) =>
            options.log.warn({ err: error, readModel: options.tombstones.name }, 'tombstone purge failed'),
          );
        }, options.intervalMs)
      : undefined;
  timer?.unref();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
