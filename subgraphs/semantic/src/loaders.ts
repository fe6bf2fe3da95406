import DataLoader from 'dataloader';
import { askWeaviate } from './search.js';
import type { PostIndex } from './store.js';

export interface SemanticLoaders {
  /** A post's stored vector, null when the post is not in the index. */
  postVector: DataLoader<string, number[] | null>;
}

/** Per-request loaders: the vectors of every post in one response come from one Weaviate query. */
export function createLoaders(index: PostIndex): SemanticLoaders {
  return {
    postVector: new DataLoader<string, number[] | null>(async (postIds) => {
      const vectors = await askWeaviate(index, () => index.vectors(postIds));
      return postIds.map((postId) => vectors.get(postId) ?? null);
    }),
  };
}
