import type { PageInfo } from '@aetherial/subgraph-kit';
import type { SearchEntity } from './documents.js';

/** The schema's SearchType names, and the entity (GraphQL type) each stands for. */
export type SearchTypeName = 'POST' | 'PRODUCT' | 'USER';

export const TYPE_NAME_OF: Record<SearchEntity, SearchTypeName> = {
  Post: 'POST',
  Product: 'PRODUCT',
  User: 'USER',
};
export const ENTITY_OF: Record<SearchTypeName, SearchEntity> = {
  POST: 'Post',
  PRODUCT: 'Product',
  USER: 'User',
};

/** An entity reference: only the id; the owning subgraph resolves every other field. */
export interface SearchItemRef {
  __typename: SearchEntity;
  id: string;
}

export interface HighlightModel {
  field: string;
  snippets: string[];
}

export interface SearchHitModel {
  score: number;
  highlights: HighlightModel[];
  item: SearchItemRef;
}

export interface FacetCountModel {
  value: string;
  count: number;
}

export interface PriceRangeCountModel {
  minCents: number | null;
  maxCents: number | null;
  count: number;
}

export interface SearchFacetsModel {
  types: FacetCountModel[];
  tags: FacetCountModel[];
  priceRanges: PriceRangeCountModel[];
}

export interface SearchConnectionModel {
  edges: { cursor: string; node: SearchHitModel }[];
  pageInfo: PageInfo;
  totalCount: number;
  facets: SearchFacetsModel;
  /** Set only when nothing matched: a correction of the query that does find something. */
  didYouMean: string | null;
}

export interface SuggestionModel {
  text: string;
  type: SearchTypeName;
  id: string;
}
