import { z } from 'zod';

/** The entities search indexes, named as their GraphQL types. */
export const SEARCH_ENTITIES = ['Post', 'Product', 'User'] as const;
export type SearchEntity = (typeof SEARCH_ENTITIES)[number];

export const isSearchEntity = (value: string): value is SearchEntity =>
  (SEARCH_ENTITIES as readonly string[]).includes(value);

/** Document id: one index holds three kinds of entity whose ids could collide. */
export const documentKey = (type: SearchEntity, id: string): string => `${type}:${id}`;

interface DocumentBase {
  key: string;
  entityId: string;
  version: number;
  createdAt: string;
}

export interface PostDocument extends DocumentBase {
  type: 'Post';
  title: string;
  body: string;
  tags: string[];
  authorId: string;
  status: 'PUBLISHED';
}

export interface ProductDocument extends DocumentBase {
  type: 'Product';
  title: string;
  description: string;
  sku: string;
  priceCents: number;
  currency: string;
}

export interface UserDocument extends DocumentBase {
  type: 'User';
  handle: string;
  displayName: string;
}

export type SearchDocument = PostDocument | ProductDocument | UserDocument;

/**
 * What a removed entity leaves in the index (the version guard's tombstone, see
 * `@aetherial/events` version-guard): its key and the version of the removal. External
 * versioning then refuses any older write for good, where a real delete's version is forgotten
 * after `index.gc_deletes` (and on a restart). No text field, and every query excludes
 * `deleted: true`, so no search, facet or suggestion ever sees it.
 */
export interface TombstoneDocument {
  key: string;
  type: SearchEntity;
  entityId: string;
  version: number;
  deleted: true;
  /**
   * When the indexer wrote it (ISO): the purge forgets a tombstone once the event log holds
   * nothing older (see tombstones.ts). Absent on tombstones from before mapping 4: kept.
   */
  removedAt?: string;
}

/** Everything the index holds: live documents and tombstones. */
export type IndexedDocument = SearchDocument | TombstoneDocument;

export function tombstoneDocument(
  type: SearchEntity,
  id: string,
  version: number,
  removedAt = new Date(),
): TombstoneDocument {
  return {
    key: documentKey(type, id),
    type,
    entityId: id,
    version,
    deleted: true,
    removedAt: removedAt.toISOString(),
  };
}

/** A stored source is a tombstone (the entity is removed from search at its version). */
export const isTombstone = (source: Record<string, unknown> | IndexedDocument): boolean =>
  (source as { deleted?: unknown }).deleted === true;

/** The clause that keeps tombstones out of every query. */
export const LIVE_DOCUMENTS = { bool: { must_not: [{ term: { deleted: true } }] } } as const;

// The fields the sources of truth give us, whether from an event payload (JSON: dates as ISO
// strings) or read directly from the store by the reindex (Date objects). Unknown fields are dropped.
const timestamp = z.union([z.string(), z.date()]).transform((value, context) => {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    context.addIssue({ code: 'custom', message: `not a date: ${String(value)}` });
    return z.NEVER;
  }
  return date.toISOString();
});

export const postFields = z.object({
  authorId: z.string().min(1),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()).default([]),
  status: z.enum(['DRAFT', 'PUBLISHED']),
  createdAt: timestamp,
});

export const productFields = z.object({
  sku: z.string(),
  title: z.string(),
  description: z
    .string()
    .nullish()
    .transform((value) => value ?? ''),
  priceCents: z.number().int(),
  currency: z.string().default('EUR'),
  createdAt: timestamp,
});

export const userFields = z.object({
  handle: z.string(),
  displayName: z.string(),
  createdAt: timestamp,
});

export type PostFields = z.input<typeof postFields>;
export type ProductFields = z.input<typeof productFields>;
export type UserFields = z.input<typeof userFields>;

/**
 * The document for an entity's state at `version`, or null when that state is not searchable
 * (a DRAFT post). Events and the reindex both build documents here, so both give the same ones.
 * Throws (a zod error naming the field) when the state lacks a field search needs.
 */
export function buildDocument(
  type: SearchEntity,
  id: string,
  version: number,
  state: unknown,
): SearchDocument | null {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new Error(
      `${type} ${id}: version must be a positive integer (external versioning), got ${version}`,
    );
  }
  const base = { key: documentKey(type, id), entityId: id, version };
  switch (type) {
    case 'Post': {
      const post = postFields.parse(state);
      if (post.status !== 'PUBLISHED') return null;
      return { ...base, type, ...post, status: 'PUBLISHED', tags: [...new Set(post.tags)] };
    }
    case 'Product':
      return { ...base, type, ...productFields.parse(state) };
    case 'User':
      return { ...base, type, ...userFields.parse(state) };
  }
}
