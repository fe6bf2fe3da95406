import { badUserInput } from '@aetherial/subgraph-kit';
import { Types } from 'mongoose';
import { COMMENT_BODY_MAX } from './models/comment.js';
import { POST_BODY_MAX, POST_TAGS_MAX, POST_TITLE_MAX, TAG_MAX, type PostStatus } from './models/post.js';

const objectIdPattern = /^[0-9a-f]{24}$/i;
/** Letters or digits first, then also space and a few joiners: "node.js", "c++", "c#", "deep-learning". */
const tagPattern = /^[\p{L}\p{N}][\p{L}\p{N} _.+#-]*$/u;

/**
 * Ids are 24 hex characters. Checked before any query: mongoose would otherwise throw a CastError
 * (a 500-ish crash) or, for 12-character strings, silently read them as raw bytes.
 */
export function parseObjectId(field: string, id: string, what: 'post' | 'comment'): Types.ObjectId {
  if (!objectIdPattern.test(id)) throw badUserInput(field, `not a valid ${what} id`);
  return new Types.ObjectId(id);
}

export function isObjectIdString(id: string): boolean {
  return objectIdPattern.test(id);
}

export function validTitle(title: string): string {
  const trimmed = title.trim();
  if (trimmed.length === 0) throw badUserInput('title', 'must not be empty');
  if (trimmed.length > POST_TITLE_MAX)
    throw badUserInput('title', `must be at most ${POST_TITLE_MAX} characters, got ${trimmed.length}`);
  return trimmed;
}

export function validPostBody(body: string): string {
  if (body.length > POST_BODY_MAX)
    throw badUserInput('body', `must be at most ${POST_BODY_MAX} characters, got ${body.length}`);
  return body;
}

/** Lower-cases, trims and de-duplicates (first occurrence wins) before checking the limits. */
export function validTags(tags: readonly string[]): string[] {
  const normalised: string[] = [];
  for (const [index, raw] of tags.entries()) {
    const tag = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    if (tag.length === 0) throw badUserInput('tags', `tag ${index + 1} is empty`);
    if (tag.length > TAG_MAX)
      throw badUserInput('tags', `tag "${tag.slice(0, 40)}" is longer than ${TAG_MAX} characters`);
    if (!tagPattern.test(tag)) {
      throw badUserInput(
        'tags',
        `tag "${tag}" may contain letters, digits, spaces and _ . + # - only, starting with a letter or digit`,
      );
    }
    if (!normalised.includes(tag)) normalised.push(tag);
  }
  if (normalised.length > POST_TAGS_MAX)
    throw badUserInput('tags', `at most ${POST_TAGS_MAX} tags, got ${normalised.length}`);
  return normalised;
}

export interface PostContent {
  title: string;
  body: string;
  tags: string[];
  status: PostStatus;
}

export interface NewPostInput {
  title: string;
  body: string;
  tags?: readonly string[] | null;
  status?: PostStatus | null;
}

export function validNewPost(input: NewPostInput): PostContent {
  return {
    title: validTitle(input.title),
    body: validPostBody(input.body),
    tags: validTags(input.tags ?? []),
    status: input.status ?? 'PUBLISHED',
  };
}

export interface PostChangesInput {
  title?: string | null;
  body?: string | null;
  tags?: readonly string[] | null;
  status?: PostStatus | null;
}

/** Only the fields given change; an explicit null is refused rather than read as "unchanged". */
export function validPostChanges(input: PostChangesInput): Partial<PostContent> {
  const changes: Partial<PostContent> = {};
  for (const field of ['title', 'body', 'tags', 'status'] as const) {
    if (input[field] === null)
      throw badUserInput(field, 'must not be null; leave it out to keep the current value');
  }
  if (input.title !== undefined && input.title !== null) changes.title = validTitle(input.title);
  if (input.body !== undefined && input.body !== null) changes.body = validPostBody(input.body);
  if (input.tags !== undefined && input.tags !== null) changes.tags = validTags(input.tags);
  if (input.status !== undefined && input.status !== null) changes.status = input.status;
  if (Object.keys(changes).length === 0)
    throw badUserInput('input', 'give at least one of title, body, tags, status');
  return changes;
}

export function validCommentBody(body: string): string {
  const trimmed = body.trim();
  if (trimmed.length === 0) throw badUserInput('body', 'must not be empty');
  if (trimmed.length > COMMENT_BODY_MAX)
    throw badUserInput('body', `must be at most ${COMMENT_BODY_MAX} characters, got ${trimmed.length}`);
  return trimmed;
}

/** A filter tag is normalised like stored tags, so "GraphQL" finds posts tagged "graphql". */
export function normalisedFilterTag(tag: string): string {
  const normalised = tag.trim().toLowerCase().replace(/\s+/g, ' ');
  if (normalised.length === 0 || normalised.length > TAG_MAX)
    throw badUserInput('filter.tag', `must be 1 to ${TAG_MAX} characters`);
  return normalised;
}
