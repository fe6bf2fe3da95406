import type { PostHit } from './store.js';

/** How deep hybrid search ranks when a post holding every word is not among the first hits. */
export const FUSED_DEPTH = 100;

/**
 * Hybrid search's final order: posts that hold every word of the query first, then the rest, each
 * part in fused order. A reader who types a name or a term copied from a post ("OOMKilled",
 * "Queen's Gambit") wants that post first even when the embedder does not know the word; a
 * question in other words rarely holds every word of any one post, so its order stays the
 * embedder's. Measured on the labelled sets (README "Hybrid"): this meets the better half on both.
 *
 * Both parts come from one fused list, so every score is of one ranking (relative-score fusion
 * normalises within the list it returns).
 */
export function putAllWordsFirst(
  fused: PostHit[],
  allWordIds: ReadonlySet<string>,
  limit: number,
): PostHit[] {
  const holdingAll = fused.filter((hit) => allWordIds.has(hit.postId));
  const rest = fused.filter((hit) => !allWordIds.has(hit.postId));
  return [...holdingAll, ...rest].slice(0, limit);
}
