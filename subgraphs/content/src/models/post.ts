import { Schema, type Types } from 'mongoose';
import { pendingEventSchema, type CarriesPendingEvents } from './pending-event.js';

export const POST_STATUSES = ['DRAFT', 'PUBLISHED'] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

export const POST_TITLE_MAX = 200;
export const POST_BODY_MAX = 50_000;
export const POST_TAGS_MAX = 10;
export const TAG_MAX = 30;

/** A post as the API reads it (outbox fields projected away). */
export interface PostRecord {
  _id: Types.ObjectId;
  /** The core subgraph's User id. */
  authorId: string;
  title: string;
  body: string;
  tags: string[];
  status: PostStatus;
  /** Grows by one with every change; domain events carry it so consumers can drop stale ones. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** Denormalised; only ever raised to the real count (see src/comment-count.ts). */
  commentCount: number;
  /** Set by deletePost: the post is gone for readers; the relay removes it after publishing PostDeleted. */
  deletedAt: Date | null;
}

export type PostDocument = PostRecord & CarriesPendingEvents;

export const postSchema = new Schema<PostDocument>(
  {
    authorId: { type: String, required: true },
    title: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_TITLE_MAX },
    body: { type: String, default: '', maxlength: POST_BODY_MAX },
    tags: {
      type: [{ type: String, lowercase: true, trim: true, minlength: 1, maxlength: TAG_MAX }],
      default: [],
      validate: {
        validator: (tags: string[]) => tags.length <= POST_TAGS_MAX,
        message: `at most ${POST_TAGS_MAX} tags`,
      },
    },
    status: { type: String, enum: POST_STATUSES, required: true },
    version: { type: Number, required: true, min: 1 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    commentCount: { type: Number, default: 0, min: 0 },
    deletedAt: { type: Date, default: null },
    pendingEvents: { type: [pendingEventSchema], default: [] },
    hasPendingEvents: { type: Boolean, default: false },
    drainedThrough: { type: Number },
  },
  // Timestamps and versions are set by our code: the event payload must carry exactly what is stored.
  { collection: 'posts', versionKey: false, timestamps: false, autoIndex: true, minimize: false },
);

// Keyset pagination orders: an author's posts, all posts, both newest first; and the tag filter.
postSchema.index({ authorId: 1, createdAt: -1, _id: -1 });
postSchema.index({ createdAt: -1, _id: -1 });
postSchema.index({ tags: 1 });
// The relay's drain asks `{ hasPendingEvents: true }` every poll: on MongoDB, without this index, a
// scan of the whole collection. Not partial (FerretDB refuses partialFilterExpression): the few
// `true` entries are one short range of it all the same. FerretDB 1.24 builds it, but its pushdown
// (`_jsonb->'hasPendingEvents' @> 'true'`) is not an operator its btree indexes serve: there the
// poll stays a sequential scan of the documents, filtered inside PostgreSQL.
postSchema.index({ hasPendingEvents: 1 });
