import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from '@aetherial/subgraph-kit';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { operationCoordinates } from './coordinates.js';
import type { FieldUse, RegistryStore } from './store.js';

export interface UsageRecorderOptions {
  flushMs: number;
  retentionDays: number;
  /** Distinct (coordinate, client, operation) keys held between flushes; more are counted as dropped. */
  maxPending?: number;
}

const HEADER_LIMIT = 64;
const header = (value: string | undefined) => (value?.trim() || 'unknown').slice(0, HEADER_LIMIT);

/**
 * Counts field usage in memory and writes it to the registry in one statement a flush interval,
 * so the request path only increments counters. A failed flush is logged and dropped: usage is
 * for checks, never worth slowing or failing a request.
 */
export class UsageRecorder {
  private pending = new Map<string, FieldUse>();
  private dropped = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Coordinates per operation hash, per schema (a hot reload gives a new schema object). */
  private readonly coordinatesBySchema = new WeakMap<GraphQLSchema, Map<string, string[]>>();

  constructor(
    private readonly store: RegistryStore,
    private readonly log: Logger,
    private readonly options: UsageRecorderOptions,
  ) {}

  start(): this {
    this.timers.push(setInterval(() => void this.flush(), this.options.flushMs).unref());
    this.timers.push(setInterval(() => void this.prune(), 3_600_000).unref());
    void this.prune();
    return this;
  }

  record(operation: {
    schema: GraphQLSchema;
    document: DocumentNode;
    queryHash: string;
    operationName: string | null | undefined;
    clientName: string | undefined;
    clientVersion: string | undefined;
  }): void {
    let byHash = this.coordinatesBySchema.get(operation.schema);
    if (!byHash) this.coordinatesBySchema.set(operation.schema, (byHash = new Map()));
    let coordinates = byHash.get(operation.queryHash);
    if (!coordinates) {
      coordinates = operationCoordinates(operation.schema, operation.document);
      if (byHash.size < 10_000) byHash.set(operation.queryHash, coordinates);
    }
    const clientName = header(operation.clientName);
    const clientVersion = header(operation.clientVersion);
    const operationName = (operation.operationName ?? 'anonymous').slice(0, 200);
    for (const coordinate of coordinates) {
      const key = `${coordinate}\u0000${clientName}\u0000${clientVersion}\u0000${operation.queryHash}`;
      const use = this.pending.get(key);
      if (use) use.count += 1;
      else if (this.pending.size >= (this.options.maxPending ?? 50_000)) this.dropped += 1;
      else
        this.pending.set(key, {
          coordinate,
          clientName,
          clientVersion,
          operationName,
          operationHash: operation.queryHash,
          count: 1,
        });
    }
  }

  /** Writes what was counted since the last flush (one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      if (this.dropped > 0) {
        this.log.warn(
          { dropped: this.dropped },
          'usage recorder: too many distinct operations between flushes',
        );
        this.dropped = 0;
      }
      try {
        await this.store.recordUsage(batch);
      } catch (error) {
        this.log.warn(
          { err: (error as Error).message, uses: batch.length },
          'usage recorder: flush failed; dropped',
        );
      }
    });
    return this.flushing;
  }

  private async prune(): Promise<void> {
    const before = new Date(Date.now() - this.options.retentionDays * 24 * 3_600_000);
    try {
      await this.store.pruneUsage(before);
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'usage recorder: retention prune failed');
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.flush();
  }
}

/** Records every resolved operation's field coordinates and client (Apollo's client headers). */
export function usageRecordingPlugin<TContext extends BaseContext>(
  recorder: UsageRecorder,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, queryHash, operationName, request }) {
          recorder.record({
            schema,
            document,
            queryHash,
            operationName,
            clientName: request.http?.headers.get('apollographql-client-name'),
            clientVersion: request.http?.headers.get('apollographql-client-version'),
          });
        },
      };
    },
  };
}
