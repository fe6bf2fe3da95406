import {
  addCacheTags,
  cacheTag,
  connectionFrom,
  dateTimeScalar,
  notFound,
  pageSize,
  unauthenticated,
} from '@aetherial/subgraph-kit';
import { hintPrivate } from './cache-hints.js';
import { addComment } from './comment-writes.js';
import { commentCursor, listCommentsAfter } from './comment-queries.js';
import type { ContentContext } from './context.js';
import type { Resolvers } from './generated/graphql.js';
import type { PostRecord } from './models/post.js';
import { listPosts, postCursor } from './post-queries.js';
import { createPost, deletePost, updatePost } from './post-writes.js';
import {
  isObjectIdString,
  normalisedFilterTag,
  parseObjectId,
  validCommentBody,
  validNewPost,
  validPostChanges,
} from './validation.js';
import { isVisible } from './visibility.js';

function requireViewer(context: ContentContext): string {
  if (!context.viewer.userId) throw unauthenticated();
  return context.viewer.userId;
}

/** A post this viewer may see, through the request's loader; null for missing, deleted, or someone's draft. */
async function visiblePost(context: ContentContext, id: string): Promise<PostRecord | null> {
  if (!isObjectIdString(id)) return null;
  const post = await context.loaders.postById.load(id.toLowerCase());
  return post && isVisible(post, context.viewer.userId) ? post : null;
}

/**
 * A write that recorded domain events in its document: once it is done (addComment's count steps
 * included, which spares the relay a recount), the outbox relay is nudged for them.
 */
async function recorded<T>(context: ContentContext, write: Promise<T>): Promise<T> {
  const result = await write;
  context.eventsRecorded();
  return result;
}

/** The answer of a write reports what its event drops, so the gateway drops it before answering. */
const reportTo = (context: ContentContext) => (tags: readonly string[]) => addCacheTags(context, tags);

export const resolvers: Resolvers = {
  DateTime: dateTimeScalar,

  Query: {
    post: async (_root, { id }, context, info) => {
      parseObjectId('id', id, 'post');
      const post = await visiblePost(context, id);
      if (!post) throw notFound('Post', id);
      if (post.status === 'DRAFT') hintPrivate(info);
      return post;
    },
    comment: async (_root, { id }, context, info) => {
      parseObjectId('id', id, 'comment');
      const comment = await context.loaders.commentById.load(id.toLowerCase());
      // A comment is visible exactly when its post is.
      const post = comment && (await visiblePost(context, comment.postId.toHexString()));
      if (!comment || !post) throw notFound('Comment', id);
      if (post.status === 'DRAFT') hintPrivate(info);
      return comment;
    },
    posts: async (_root, { first, after, filter }, context, info) => {
      if (context.viewer.userId) {
        hintPrivate(info);
        // The viewer's own drafts are in this answer: a change of theirs drops it (events.ts).
        addCacheTags(context, [cacheTag.childList('User', context.viewer.userId, 'posts')]);
      }
      return listPosts(
        context.store,
        context.viewer.userId,
        { first, after },
        {
          authorId: filter?.authorId ?? null,
          tag: filter?.tag ? normalisedFilterTag(filter.tag) : null,
          status: filter?.status ?? null,
        },
      );
    },
  },

  Mutation: {
    createPost: async (_root, { input }, context) => {
      const authorId = requireViewer(context);
      return recorded(context, createPost(context.store, authorId, validNewPost(input), reportTo(context)));
    },
    updatePost: async (_root, { id, input }, context) => {
      const viewerId = requireViewer(context);
      const postId = parseObjectId('id', id, 'post');
      return recorded(
        context,
        updatePost(context.store, postId, viewerId, validPostChanges(input), reportTo(context)),
      );
    },
    deletePost: async (_root, { id }, context) => {
      const viewerId = requireViewer(context);
      const postId = parseObjectId('id', id, 'post');
      await recorded(context, deletePost(context.store, postId, viewerId, reportTo(context)));
      addCacheTags(context, [cacheTag.entity('Post', postId.toHexString())]);
      return { id: postId.toHexString(), deleted: true };
    },
    addComment: async (_root, { postId, body }, context) => {
      const viewerId = requireViewer(context);
      const post = parseObjectId('postId', postId, 'post');
      return recorded(
        context,
        addComment(context.store, post, viewerId, validCommentBody(body), reportTo(context)),
      );
    },
  },

  Post: {
    __resolveReference: async (reference, context, info) => {
      const post = await visiblePost(context, reference.id);
      if (post?.status === 'DRAFT') hintPrivate(info);
      return post;
    },
    id: (post) => post._id.toHexString(),
    author: (post) => ({ id: post.authorId }),
    commentCount: (post) => post.commentCount,
    comments: async (post, { first: requested, after }, context) => {
      if (after) return listCommentsAfter(context.store, post._id, { first: requested, after });
      const first = pageSize(requested);
      const rows = await context.loaders.firstCommentsByPost.load({
        postId: post._id.toHexString(),
        first,
        commentCount: post.commentCount,
      });
      return connectionFrom(rows, first, commentCursor, false);
    },
  },

  Comment: {
    __resolveReference: async (reference, context) => {
      if (!isObjectIdString(reference.id)) return null;
      const comment = await context.loaders.commentById.load(reference.id.toLowerCase());
      // A comment is visible exactly when its post is.
      return comment && (await visiblePost(context, comment.postId.toHexString())) ? comment : null;
    },
    id: (comment) => comment._id.toHexString(),
    author: (comment) => ({ id: comment.authorId }),
    post: async (comment, _args, context, info) => {
      const post = await visiblePost(context, comment.postId.toHexString());
      if (!post) throw notFound('Post', comment.postId.toHexString());
      if (post.status === 'DRAFT') hintPrivate(info);
      return post;
    },
  },

  User: {
    __resolveReference: (reference) => ({ id: reference.id }),
    posts: async (user, { first: requested, after }, context, info) => {
      if (context.viewer.userId === user.id) hintPrivate(info);
      if (after)
        return listPosts(
          context.store,
          context.viewer.userId,
          { first: requested, after },
          { authorId: user.id },
        );
      const first = pageSize(requested);
      const rows = await context.loaders.firstPostsByAuthor.load({ authorId: user.id, first });
      return connectionFrom(rows, first, postCursor, false);
    },
    postCount: (user, _args, context, info) => {
      if (context.viewer.userId === user.id) hintPrivate(info);
      return context.loaders.postCountByAuthor.load(user.id);
    },
  },
};
