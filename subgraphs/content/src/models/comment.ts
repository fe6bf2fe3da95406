import { Schema, type Types } from 'mongoose';
import { pendingEventSchema, type CarriesPendingEvents } from './pending-event.js';

export const COMMENT_BODY_MAX = 5000;

/** A comment as the API reads it (outbox fields projected away). */
export interface CommentRecord {
  _id: Types.ObjectId;
  postId: Types.ObjectId;
  authorId: string;
  body: string;
  createdAt: Date;
  version: number;
}

export type CommentDocument = CommentRecord &
  CarriesPendingEvents & {
    /** Set once the post's commentCount includes this comment (see comment-count.ts). */
    countedInPost: boolean;
  };

export const commentSchema = new Schema<CommentDocument>(
  {
    postId: { type: Schema.Types.ObjectId, required: true },
    authorId: { type: String, required: true },
    body: { type: String, required: true, trim: true, minlength: 1, maxlength: COMMENT_BODY_MAX },
    createdAt: { type: Date, required: true },
    version: { type: Number, required: true, min: 1 },
    pendingEvents: { type: [pendingEventSchema], default: [] },
    hasPendingEvents: { type: Boolean, default: false },
    drainedThrough: { type: Number },
    countedInPost: { type: Boolean, default: false },
  },
  { collection: 'comments', versionKey: false, timestamps: false, autoIndex: true, minimize: false },
);

// A post's comments, oldest first (keyset on createdAt, _id).
commentSchema.index({ postId: 1, createdAt: 1, _id: 1 });
// The relay's drain asks `{ hasPendingEvents: true }` every poll: on MongoDB, without this index, a
// scan of the whole collection. Not partial (FerretDB refuses partialFilterExpression): the few
// `true` entries are one short range of it all the same. FerretDB 1.24 builds it, but its pushdown
// (`_jsonb->'hasPendingEvents' @> 'true'`) is not an operator its btree indexes serve: there the
// poll stays a sequential scan of the documents, filtered inside PostgreSQL.
commentSchema.index({ hasPendingEvents: 1 });
