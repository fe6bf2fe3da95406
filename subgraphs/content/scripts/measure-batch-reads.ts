/**
 * Times the content loaders' batches under both read strategies (`batchReads` 'in' and 'point')
 * against an existing database, READ ONLY: no indexes are built, nothing is written (the script
 * fails if the driver sends any command but a read).
 *
 *   npx tsx scripts/measure-batch-reads.ts [mongodb-url] [rounds]
 *   (default mongodb://127.0.0.1:27017/aetherial_bench, 7 rounds; prints the median and min ms)
 */
import mongoose, { type Schema } from 'mongoose';
import { createLoaders } from '../src/loaders.js';
import { commentSchema } from '../src/models/comment.js';
import { outboxBatchSchema } from '../src/models/outbox-batch.js';
import { outboxEventSchema } from '../src/models/outbox-event.js';
import { postSchema } from '../src/models/post.js';
import type { BatchReads, ContentStore } from '../src/store.js';

const url = process.argv[2] ?? 'mongodb://127.0.0.1:27017/aetherial_bench';
const rounds = Number(process.argv[3] ?? 7);
const READS = new Set(['find', 'aggregate', 'count', 'distinct', 'getMore', 'buildInfo', 'killCursors']);

const connection = await mongoose
  .createConnection(url, { autoIndex: false, autoCreate: false, monitorCommands: true })
  .asPromise();
const sent = new Set<string>();
connection.getClient().on('commandStarted', (event) => sent.add(event.commandName));
/** The schema without index building or collection creation (schemas ask for autoIndex). */
const readOnly = <T>(schema: Schema<T>) => {
  const copy = schema.clone();
  copy.set('autoIndex', false);
  copy.set('autoCreate', false);
  return copy;
};
const models = {
  posts: connection.model('Post', readOnly(postSchema)),
  comments: connection.model('Comment', readOnly(commentSchema)),
  outboxEvents: connection.model('OutboxEvent', readOnly(outboxEventSchema)),
  outboxBatches: connection.model('OutboxBatch', readOnly(outboxBatchSchema)),
};
const storeFor = (batchReads: BatchReads) =>
  ({ connection, batchReads, ...models, ping: async () => {}, close: async () => {} }) as ContentStore;

const posts = await models.posts.find({ deletedAt: null }).select({ _id: 1 }).limit(100).lean().exec();
const postIds = posts.map((post) => post._id.toHexString());
const authorIds = (await models.posts.distinct('authorId').exec()).slice(0, 10) as string[];
const commented = await models.posts
  .find({ deletedAt: null, status: 'PUBLISHED' })
  .select({ _id: 1, commentCount: 1 })
  .lean()
  .exec();
const postsWithComments = commented.filter((post) => post.commentCount > 0).slice(0, 10);
const commentIds = (await models.comments.find().select({ _id: 1 }).limit(10).lean().exec()).map((comment) =>
  comment._id.toHexString(),
);
console.log(
  `${url}: ${await models.posts.estimatedDocumentCount()} posts, ${await models.comments.estimatedDocumentCount()} comments`,
);

type Loaders = ReturnType<typeof createLoaders>;
const cases: [string, (loaders: Loaders) => Promise<unknown>][] = [
  ['postById × 10', (l) => l.postById.loadMany(postIds.slice(0, 10))],
  ['postById × 100', (l) => l.postById.loadMany(postIds)],
  ['commentById × 10', (l) => l.commentById.loadMany(commentIds)],
  ['postCountByAuthor × 10', (l) => l.postCountByAuthor.loadMany(authorIds)],
  [
    'firstPostsByAuthor × 10 (first 10)',
    (l) => l.firstPostsByAuthor.loadMany(authorIds.map((authorId) => ({ authorId, first: 10 }))),
  ],
  [
    'firstCommentsByPost × 10 (first 10)',
    (l) =>
      l.firstCommentsByPost.loadMany(
        postsWithComments.map((post) => ({
          postId: post._id.toHexString(),
          first: 10,
          commentCount: post.commentCount,
        })),
      ),
  ],
];

const results: Record<string, Partial<Record<BatchReads, string>>> = {};
for (const batchReads of ['in', 'point'] as const) {
  const store = storeFor(batchReads);
  for (const [name, run] of cases) {
    const times: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const loaders = createLoaders(store, null); // a fresh request: nothing cached
      const start = performance.now();
      const answers = (await run(loaders)) as unknown[];
      times.push(performance.now() - start);
      const failed = answers.find((answer) => answer instanceof Error);
      if (failed) throw failed;
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    (results[name] ??= {})[batchReads] = `${median.toFixed(1)} (min ${times[0]!.toFixed(1)})`;
  }
}
console.table(results);
await connection.close();
const writes = [...sent].filter(
  (name) => !READS.has(name) && !['hello', 'isMaster', 'endSessions', 'ping'].includes(name),
);
if (writes.length) throw new Error(`sent commands that are not reads: ${writes.join(', ')}`);
