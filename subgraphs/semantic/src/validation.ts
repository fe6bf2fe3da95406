import { badUserInput } from '@aetherial/subgraph-kit';
import type { PostFilter } from './store.js';

export const MAX_TEXT_LENGTH = 2000;
export const MAX_RESULTS = 50;
const MAX_FILTER_TAGS = 50;

/** The search text: something to search for, short enough to embed quickly. */
export function searchText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw badUserInput('text', 'must not be empty');
  if (text.length > MAX_TEXT_LENGTH) {
    throw badUserInput('text', `must be at most ${MAX_TEXT_LENGTH} characters, got ${text.length}`);
  }
  return trimmed;
}

/** How many hits to return: 1..MAX_RESULTS (the schema supplies the default). */
export function resultCount(first: number | null | undefined, fallback: number): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_RESULTS) {
    throw badUserInput('first', `must be between 1 and ${MAX_RESULTS}, got ${value}`);
  }
  return value;
}

/**
 * Chosen by `npm run eval:hybrid` (README): of the alphas measured with relative-score fusion and
 * the posts holding every word first, the one whose worse set (paraphrases, exact terms) has the
 * highest MRR.
 */
export const DEFAULT_HYBRID_ALPHA = 0.95;

export function hybridAlpha(alpha: number | null | undefined): number {
  const value = alpha ?? DEFAULT_HYBRID_ALPHA;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw badUserInput('alpha', `must be between 0 (keywords only) and 1 (meaning only), got ${value}`);
  }
  return value;
}

export interface SemanticFilterInput {
  tags?: readonly string[] | null;
  authorId?: string | null;
  createdAfter?: string | null;
}

export function postFilter(input: SemanticFilterInput | null | undefined): PostFilter {
  const filter: PostFilter = {};
  if (!input) return filter;
  if (input.tags !== null && input.tags !== undefined) {
    if (input.tags.length > MAX_FILTER_TAGS) {
      throw badUserInput('filter.tags', `at most ${MAX_FILTER_TAGS} tags, got ${input.tags.length}`);
    }
    if (input.tags.some((tag) => tag.trim() === ''))
      throw badUserInput('filter.tags', 'tags must not be empty');
    // An empty list filters nothing rather than matching nothing.
    if (input.tags.length > 0) filter.tags = [...input.tags];
  }
  if (input.authorId !== null && input.authorId !== undefined) {
    if (input.authorId.trim() === '') throw badUserInput('filter.authorId', 'must not be empty');
    filter.authorId = input.authorId;
  }
  if (input.createdAfter !== null && input.createdAfter !== undefined) {
    const instant = new Date(input.createdAfter);
    if (!/^\d{4}-\d{2}-\d{2}/.test(input.createdAfter) || Number.isNaN(instant.getTime())) {
      throw badUserInput('filter.createdAfter', `must be an ISO-8601 date-time, got "${input.createdAfter}"`);
    }
    filter.createdAfter = instant;
  }
  return filter;
}
