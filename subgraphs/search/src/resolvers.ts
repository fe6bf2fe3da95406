import type { Resolvers } from './generated/graphql.js';
import type { SearchItemRef } from './results.js';

export const resolvers: Resolvers = {
  Query: {
    search: (_parent, args, context) => context.search.search(args, context.log),
    suggest: (_parent, args, context) => context.search.suggest(args, context.log),
  },
  SearchItem: {
    __resolveType: (item: SearchItemRef) => item.__typename,
  },
};
