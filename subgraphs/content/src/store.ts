import type { StoreRequestCounter } from '@aetherial/subgraph-kit';
import mongoose, { type Connection, type Model } from 'mongoose';
import { commentSchema, type CommentDocument } from './models/comment.js';
import { outboxBatchSchema, type OutboxBatchDocument } from './models/outbox-batch.js';
import { outboxEventSchema, type OutboxEventDocument } from './models/outbox-event.js';
import { postSchema, type PostDocument } from './models/post.js';

/**
 * How a DataLoader batch reads its keys. 'in': one `$in` query for the whole batch (MongoDB answers
 * it from an index). 'point': one equality query per key, all sent at once — FerretDB 1.24 pushes
 * only top-level equality down to its backend and evaluates an `$in` over the whole collection.
 */
export type BatchReads = 'in' | 'point';

export interface ContentStore {
  connection: Connection;
  /** Chosen at connect time (see StoreOptions.batchReads). */
  batchReads: BatchReads;
  posts: Model<PostDocument>;
  comments: Model<CommentDocument>;
  outboxEvents: Model<OutboxEventDocument>;
  outboxBatches: Model<OutboxBatchDocument>;
  /** Throws when the database does not answer (readiness). */
  ping: () => Promise<void>;
  close: () => Promise<void>;
}

export interface StoreOptions {
  /** Overrides the database named in the URL (tests use `aetherial_content_test`). */
  dbName?: string;
  /** Driver command monitoring, so tests can count round trips at the driver boundary. */
  monitorCommands?: boolean;
  /**
   * Counts every command the driver sends (`store_requests_total{store="mongodb"}`), from its
   * command monitoring (turned on for it); the driver's own heartbeats are not commands.
   */
  requests?: StoreRequestCounter;
  /** 'auto' (the default) asks the server: 'point' on FerretDB, 'in' on MongoDB. */
  batchReads?: BatchReads | 'auto';
}

/** FerretDB answers `buildInfo` with a `ferretdbVersion` field; MongoDB has none. */
async function detectBatchReads(connection: Connection): Promise<BatchReads> {
  const db = connection.db;
  if (!db) throw new Error('MongoDB connection has no database');
  const info = await db.admin().buildInfo();
  return 'ferretdbVersion' in info ? 'point' : 'in';
}

/**
 * Connects to MongoDB (FerretDB here) with a connection of its own — not mongoose's global one —
 * so several stores (a test's and a subgraph's) can live in one process. Indexes declared in the
 * schemas are built (and stray ones dropped) before the store is handed out.
 */
export async function connectStore(url: string, options: StoreOptions = {}): Promise<ContentStore> {
  const connection = await mongoose
    .createConnection(url, {
      ...(options.dbName ? { dbName: options.dbName } : {}),
      monitorCommands: (options.monitorCommands ?? false) || options.requests !== undefined,
      serverSelectionTimeoutMS: 10_000,
      autoIndex: true,
      autoCreate: true,
    })
    .asPromise();
  const { requests } = options;
  if (requests) connection.getClient().on('commandStarted', () => requests.inc());
  // Filters are built from validated values only; unknown paths in a filter are a bug, not data.
  connection.set('strictQuery', true);
  const posts = connection.model<PostDocument>('Post', postSchema);
  const comments = connection.model<CommentDocument>('Comment', commentSchema);
  const outboxEvents = connection.model<OutboxEventDocument>('OutboxEvent', outboxEventSchema);
  const outboxBatches = connection.model<OutboxBatchDocument>('OutboxBatch', outboxBatchSchema);
  for (const model of [posts, comments, outboxEvents, outboxBatches] as Model<unknown>[]) {
    await model.init();
    await model.syncIndexes();
  }
  const batchReads =
    !options.batchReads || options.batchReads === 'auto'
      ? await detectBatchReads(connection)
      : options.batchReads;
  return {
    connection,
    batchReads,
    posts,
    comments,
    outboxEvents,
    outboxBatches,
    ping: async () => {
      const db = connection.db;
      if (!db) throw new Error('MongoDB connection has no database');
      await db.command({ ping: 1 });
    },
    close: () => connection.close(),
  };
}
