import { MongoClient, ObjectId, type Document } from 'mongodb';
import { buildDocument, type SearchDocument } from '../documents.js';
import type { DocumentSource } from './source.js';

const idString = (id: unknown): string => (id instanceof ObjectId ? id.toHexString() : String(id));

/**
 * Published, not deleted posts from the content subgraph's `posts` collection (MongoDB / FerretDB),
 * as subgraphs/content/src/models/post.ts stores them (`version` is its own field, not `__v`).
 */
export function mongoPostsSource(mongoUrl: string, collectionName = 'posts'): DocumentSource {
  const client = new MongoClient(mongoUrl);
  return {
    name: `posts (MongoDB "${collectionName}")`,
    async *pages(pageSize: number) {
      const posts = client.db().collection<Document>(collectionName);
      let last: unknown = null;
      for (;;) {
        // Keyset pagination on _id (FerretDB has no snapshot cursors across long reads either).
        // deletedAt: a deleted post stays (marked) until its PostDeleted event is published.
        const filter: Document = {
          status: 'PUBLISHED',
          deletedAt: null,
          ...(last === null ? {} : { _id: { $gt: last } }),
        };
        const rows = await posts.find(filter).sort({ _id: 1 }).limit(pageSize).toArray();
        if (rows.length === 0) return;
        last = rows.at(-1)!._id;
        yield rows
          .map((row) =>
            buildDocument('Post', idString(row._id), Number(row.version), {
              ...row,
              authorId: idString(row.authorId),
            }),
          )
          .filter((document): document is SearchDocument => document !== null);
        if (rows.length < pageSize) return;
      }
    },
    close: () => client.close(),
  };
}
