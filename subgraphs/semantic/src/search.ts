import { FUSED_DEPTH, putAllWordsFirst } from './all-words-first.js';
import type { Embedder } from './embedder.js';
import type { PostFilter, PostHit, PostIndex } from './store.js';
import { weaviateFailure } from './weaviate.js';

/** Runs a Weaviate call, turning "store down / index missing" into a clear UNAVAILABLE error. */
export async function askWeaviate<T>(index: PostIndex, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw weaviateFailure(error, index.alias) ?? error;
  }
}

/** The three ways of ranking posts for a text; the GraphQL fields and the quality eval share them. */
export class SemanticSearch {
  constructor(
    readonly index: PostIndex,
    private readonly embedder: Embedder,
  ) {}

  private async vectorOf(text: string): Promise<number[]> {
    const [vector] = await this.embedder.embed([text]);
    if (!vector) throw new Error('the embedder returned no vector');
    return vector;
  }

  async semantic(text: string, first: number, filter: PostFilter = {}): Promise<PostHit[]> {
    const vector = await this.vectorOf(text);
    return askWeaviate(this.index, () => this.index.nearVector(vector, first, filter));
  }

  /**
   * Fused keyword and vector ranking, posts holding every word of the text first
   * (all-words-first.ts). alpha 1 asks for meaning only and is the fused ranking as it is.
   */
  async hybrid(text: string, alpha: number, first: number, filter: PostFilter = {}): Promise<PostHit[]> {
    return this.hybridOfVector(text, await this.vectorOf(text), alpha, first, filter);
  }

  /** `hybrid` for a text already embedded as `vector` (the alpha sweep embeds each query once). */
  hybridOfVector(
    text: string,
    vector: number[],
    alpha: number,
    first: number,
    filter: PostFilter = {},
  ): Promise<PostHit[]> {
    return askWeaviate(this.index, async () => {
      if (alpha === 1) return this.index.hybrid(text, vector, alpha, first, filter);
      const [fused, allWords] = await Promise.all([
        this.index.hybrid(text, vector, alpha, first, filter),
        this.index.bm25(text, first, filter, { allWords: true }),
      ]);
      const allWordIds = new Set(allWords.map((hit) => hit.postId));
      const reached = new Set(fused.map((hit) => hit.postId));
      // A post holding every word below the first `first` fused hits: rank deeper, in one list.
      const ranked = [...allWordIds].every((postId) => reached.has(postId))
        ? fused
        : await this.index.hybrid(text, vector, alpha, FUSED_DEPTH, filter);
      return putAllWordsFirst(ranked, allWordIds, first);
    });
  }

  keyword(text: string, first: number, filter: PostFilter = {}): Promise<PostHit[]> {
    return askWeaviate(this.index, () => this.index.bm25(text, first, filter));
  }

  /** Posts nearest to a stored post vector, the post itself excluded. */
  related(postId: string, vector: number[], first: number): Promise<PostHit[]> {
    return askWeaviate(this.index, () => this.index.nearVector(vector, first, {}, postId));
  }
}
