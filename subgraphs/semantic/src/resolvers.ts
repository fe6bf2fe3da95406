import type { PostRef } from './context.js';
import type { Resolvers } from './generated/graphql.js';
import type { PostHit } from './store.js';
import { hybridAlpha, postFilter, resultCount, searchText } from './validation.js';

const DEFAULT_SEARCH_RESULTS = 10;
const DEFAULT_RELATED = 5;

const asHits = (hits: PostHit[]) =>
  hits.map((hit) => ({ score: hit.score, post: { id: hit.postId } satisfies PostRef }));

export const resolvers: Resolvers = {
  Query: {
    semanticSearch: async (_parent, args, { search }) => {
      const text = searchText(args.text);
      const first = resultCount(args.first, DEFAULT_SEARCH_RESULTS);
      const filter = postFilter(args.filter);
      return asHits(await search.semantic(text, first, filter));
    },
    hybridSearch: async (_parent, args, { search }) => {
      const text = searchText(args.text);
      const alpha = hybridAlpha(args.alpha);
      const first = resultCount(args.first, DEFAULT_SEARCH_RESULTS);
      const filter = postFilter(args.filter);
      return asHits(await search.hybrid(text, alpha, first, filter));
    },
  },
  Post: {
    __resolveReference: (reference) => ({ id: reference.id }),
    related: async (post, args, { search, loaders }) => {
      const first = resultCount(args.first, DEFAULT_RELATED);
      // The vectors of all posts in the response come from one query (DataLoader); the
      // neighbour search itself is one nearVector per post, as Weaviate has no batched form.
      const vector = await loaders.postVector.load(post.id);
      if (!vector) return [];
      return asHits(await search.related(post.id, vector, first));
    },
  },
};
