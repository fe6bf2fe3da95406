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

  async hybrid(text: string, alpha: number, first: number, filter: PostFilter = {}): Promise<PostHit[]> {
    const vector = await this.vectorOf(text);
    return askWeaviate(this.index, () => this.index.hybrid(text, vector, alpha, first, filter));
  }

  keyword(text: string, first: number, filter: PostFilter = {}): Promise<PostHit[]> {
    return askWeaviate(this.index, () => this.index.bm25(text, first, filter));
  }

  /** Posts nearest to a stored post vector, the post itself excluded. */
  related(postId: string, vector: number[], first: number): Promise<PostHit[]> {
    return askWeaviate(this.index, () => this.index.nearVector(vector, first, {}, postId));
  }
}
