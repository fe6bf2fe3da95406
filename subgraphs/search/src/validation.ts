import { badUserInput, pageSize } from '@aetherial/subgraph-kit';
import type { SearchEntity } from './documents.js';
import { ENTITY_OF, type SearchTypeName } from './results.js';

export const MAX_QUERY_LENGTH = 500;
export const MAX_PREFIX_LENGTH = 100;
/**
 * Every word of a query becomes several fuzzy and prefix terms per field; past this many words a
 * query could exceed the engine's clause limit (1024) and fail as a whole, so it is refused instead.
 */
export const MAX_QUERY_WORDS = 32;
export const MAX_FIRST = 50;
export const DEFAULT_FIRST = 20;
const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 100;

export interface SearchFilterArgs {
  types?: SearchTypeName[] | null;
  tags?: string[] | null;
  priceMinCents?: number | null;
  priceMaxCents?: number | null;
  authorId?: string | null;
}

/** A filter with defaults applied and values in a canonical order (so equal filters hash equal). */
export interface NormalizedFilter {
  types: SearchEntity[];
  tags: string[];
  priceMinCents: number | null;
  priceMaxCents: number | null;
  authorId: string | null;
}

/** Trims; rejects empty and overlong text, naming the argument. */
export function validateText(field: 'query' | 'prefix', value: string, maxLength: number): string {
  const text = value.trim();
  if (text.length === 0) throw badUserInput(field, 'must not be empty or only spaces');
  if (value.length > maxLength)
    throw badUserInput(field, `must be at most ${maxLength} characters, got ${value.length}`);
  return text;
}

/** A search query: text rules plus a word limit. */
export function validateQuery(value: string): string {
  const query = validateText('query', value, MAX_QUERY_LENGTH);
  const words = query.split(/\s+/).length;
  if (words > MAX_QUERY_WORDS)
    throw badUserInput('query', `must have at most ${MAX_QUERY_WORDS} words, got ${words}`);
  return query;
}

export function validateFirst(first: number | null | undefined, fallback: number): number {
  return pageSize(first ?? fallback, MAX_FIRST);
}

export function validateFilter(filter: SearchFilterArgs | null | undefined): NormalizedFilter {
  const tags = [...new Set(filter?.tags ?? [])].sort();
  if (tags.length > MAX_TAGS)
    throw badUserInput('filter.tags', `at most ${MAX_TAGS} tags, got ${tags.length}`);
  for (const tag of tags) {
    if (tag.trim().length === 0 || tag.length > MAX_TAG_LENGTH) {
      throw badUserInput('filter.tags', `each tag must be 1..${MAX_TAG_LENGTH} characters and not blank`);
    }
  }
  const priceMinCents = filter?.priceMinCents ?? null;
  const priceMaxCents = filter?.priceMaxCents ?? null;
  if (priceMinCents !== null && priceMinCents < 0)
    throw badUserInput('filter.priceMinCents', 'must not be negative');
  if (priceMaxCents !== null && priceMaxCents < 0)
    throw badUserInput('filter.priceMaxCents', 'must not be negative');
  if (priceMinCents !== null && priceMaxCents !== null && priceMinCents > priceMaxCents) {
    throw badUserInput(
      'filter.priceMinCents',
      `must not exceed priceMaxCents (${priceMinCents} > ${priceMaxCents})`,
    );
  }
  const authorId = filter?.authorId ?? null;
  if (authorId !== null && authorId.trim().length === 0)
    throw badUserInput('filter.authorId', 'must not be empty');
  const types = [...new Set(filter?.types ?? [])].sort().map((name) => ENTITY_OF[name]);
  return { types, tags, priceMinCents, priceMaxCents, authorId };
}
