import type { Collection, ObjectId } from 'mongodb';
import type { IndexedPost } from './indexed-post.js';

/**
 * A post document as the content subgraph stores it in MongoDB (`posts` collection; see
 * subgraphs/content/src/models/post.ts). Only the fields the semantic index needs.
 */
export interface SourcePostDocument {
  _id: ObjectId;
  authorId: string;
  title: string;
  body?: string;
  tags?: string[];
  status: string;
  version: number;
  createdAt: Date;
  /** Set while a deleted post waits for its PostDeleted event to be published. */
  deletedAt?: Date | null;
}

export const SOURCE_POSTS_COLLECTION = 'posts';

/** The posts the semantic index holds: published and not deleted. */
export const searchablePostsQuery = { status: 'PUBLISHED', deletedAt: null } as const;

export function postFromSource(document: SourcePostDocument): IndexedPost {
  return {
    postId: document._id.toHexString(),
    title: document.title,
    body: document.body ?? '',
    tags: document.tags ?? [],
    authorId: document.authorId,
    status: 'PUBLISHED',
    createdAt: document.createdAt,
    version: document.version,
  };
}

export type SourcePosts = Collection<SourcePostDocument>;
